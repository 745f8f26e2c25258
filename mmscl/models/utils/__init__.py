from .resnet_channels import out_channels, stage_channels
from .zoom import foreground_boxes, zoom_crop

__all__ = ['foreground_boxes', 'out_channels', 'stage_channels', 'zoom_crop']
