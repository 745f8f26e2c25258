import os
import pickle

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub

import mmscl  # noqa: F401  (allow-lists the checkpoint globals)


class RunsACommand:

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f'touch {self.marker}', )


class ReachesAnAttribute:

    def __reduce__(self):
        return getattr, (HistoryBuffer, '__init__')


def test_mmengine_checkpoint_content_loads_safely(tmp_path):
    hub = MessageHub('safe-load-test')
    hub.update_scalar('train/loss', np.float32(1.5))
    hub.update_scalar('train/lr', 1e-5)
    hub.update_info('epoch', np.int64(3))
    checkpoint = dict(
        meta=dict(seed=np.int64(0), dataset_meta=dict(classes=('1', 'Y'))),
        message_hub=hub.state_dict(),
        state_dict=dict(w=torch.ones(2)),
        extra=np.arange(4, dtype=np.float64))
    path = tmp_path / 'ckpt.pth'
    torch.save(checkpoint, path)
    loaded = torch.load(path)  # weights_only=True by default
    buffer = loaded['message_hub']['log_scalars']['train/loss']
    assert isinstance(buffer, HistoryBuffer)
    assert buffer.mean() == pytest.approx(1.5)
    assert loaded['meta']['seed'] == 0
    np.testing.assert_array_equal(loaded['extra'], np.arange(4.))


def test_code_in_a_checkpoint_is_refused_not_run(tmp_path):
    marker = tmp_path / 'marker'
    path = tmp_path / 'evil.pth'
    torch.save(dict(state_dict={}, payload=RunsACommand(marker)), path)
    with pytest.raises(pickle.UnpicklingError, match='os.system|posix.system'):
        torch.load(path)
    from mmengine.runner import CheckpointLoader
    with pytest.raises(pickle.UnpicklingError, match='system'):
        CheckpointLoader.load_checkpoint(str(path))
    assert not marker.exists()


def test_getattr_is_limited_to_history_buffer_statistics(tmp_path):
    path = tmp_path / 'attr.pth'
    torch.save(dict(payload=ReachesAnAttribute()), path)
    with pytest.raises(pickle.UnpicklingError,
                       match='Refused getattr.*__init__'):
        torch.load(path)
