from .zoom import foreground_boxes, zoom_crop

__all__ = ['foreground_boxes', 'zoom_crop']
