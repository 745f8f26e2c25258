from .confusion import confusion_counts, write_confusion_csv
from .metrics import *  # noqa: F401,F403
from .work_dirs import (dumped_config_file, find_metrics_file,
                        read_config_data, read_metrics_file)
