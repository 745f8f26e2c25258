from .box_localizer import BoxLocalizer
from .resnet_channels import out_channels, stage_channels
from .zoom import foreground_boxes, zoom_crop

__all__ = [
    'BoxLocalizer', 'foreground_boxes', 'out_channels', 'stage_channels',
    'zoom_crop'
]
