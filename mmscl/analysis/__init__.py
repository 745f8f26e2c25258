"""Analysis of trained chromosome classifiers: t-SNE maps, confusion
matrices, class activation maps and tables of test metrics, used by the
tools in ``tools/analysis/``. Needs the ``analysis`` extra
(``pip install -e '.[analysis]'``)."""
from .confusion import row_normalise, top_confused_pairs
from .embedding_map import cosine_silhouette, tsne_2d
from .features import (FEATURE_TYPES, ModelSpec, Predictions,
                       build_test_dataloader, collect_predictions,
                       default_model_name, load_classifier, load_config,
                       model_specs, predict_split, uses_scl)
from .plots import (CAMRow, TSNEPanel, plot_cam_grid, plot_confusion,
                    plot_tsne, type_colors)

__all__ = [
    'FEATURE_TYPES', 'ModelSpec', 'Predictions', 'build_test_dataloader',
    'collect_predictions', 'default_model_name', 'load_classifier',
    'load_config', 'model_specs', 'predict_split', 'uses_scl',
    'row_normalise', 'top_confused_pairs', 'cosine_silhouette', 'tsne_2d',
    'CAMRow', 'TSNEPanel', 'plot_cam_grid', 'plot_confusion', 'plot_tsne',
    'type_colors'
]
