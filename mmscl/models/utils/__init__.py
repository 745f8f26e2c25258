from .box_localizer import BoxLocalizer
from .moved_keys import moved_keys_hook
from .resnet_channels import out_channels, stage_channels
from .zoom import foreground_boxes, zoom_crop

__all__ = [
    'BoxLocalizer', 'foreground_boxes', 'moved_keys_hook', 'out_channels',
    'stage_channels', 'zoom_crop'
]
