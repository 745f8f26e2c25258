"""2-D t-SNE maps of embeddings and how well they separate the types."""
import numpy as np
from sklearn.manifold import TSNE
from sklearn.metrics import silhouette_score


def tsne_2d(features: np.ndarray,
            perplexity: float = 30.,
            seed: int = 0) -> np.ndarray:
    """Map features to 2-D with scikit-learn's t-SNE (cosine distance).

    Args:
        features (np.ndarray): Features, shape (N, D).
        perplexity (float): t-SNE perplexity; lowered to ``(N - 1) / 3`` for
            small sets, which t-SNE needs. Defaults to 30.
        seed (int): Seed of the initialisation and optimisation. Defaults
            to 0.

    Returns:
        np.ndarray: The 2-D points, shape (N, 2), computed in float64.

    Raises:
        ValueError: If there are fewer than 4 samples, or all features are
            the same.
    """
    num = len(features)
    if num < 4:
        raise ValueError(f't-SNE needs at least 4 samples, got {num}.')
    # scikit-learn's PCA initialisation divides by their spread, and its
    # Barnes-Hut gradient then crashes the interpreter (segfault).
    if not np.ptp(features, axis=0).any():
        raise ValueError(
            f't-SNE needs features that differ: all {num} are the same '
            '(an untrained or collapsed model?), so there is nothing to '
            'map.')
    perplexity = min(perplexity, (num - 1) / 3)
    tsne = TSNE(
        n_components=2,
        perplexity=perplexity,
        metric='cosine',
        init='pca',
        random_state=seed)
    return tsne.fit_transform(features.astype(np.float64))


def cosine_silhouette(features: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette coefficient of the types in the embedding space,
    with cosine distance: near 1 for tight, well separated types, near 0
    for overlapping ones, negative when samples sit closer to another
    type.

    Args:
        features (np.ndarray): Features, shape (N, D).
        labels (np.ndarray): True label indices, shape (N, ).

    Returns:
        float: The silhouette score.
    """
    num_types = len(np.unique(labels))
    if not 2 <= num_types <= len(labels) - 1:
        raise ValueError('The silhouette score needs 2 to N-1 types among N '
                         f'samples, got {num_types} types among '
                         f'{len(labels)}.')
    # In float32, the cosine distances of close embeddings lose most of
    # their digits (the score of a barely trained model moves by 0.1).
    return float(
        silhouette_score(
            features.astype(np.float64), labels, metric='cosine'))
