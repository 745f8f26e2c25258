"""Real distributed training on CPU: 2 processes, gloo.

MMEngine's ``--launcher pytorch`` set-up calls ``torch.cuda.set_device`` and
gives DDP ``device_ids``, both of which fail without a GPU, so the launched
script opens the gloo process group itself (MMEngine then keeps it) and the
config sets ``model_wrapper_cfg.device_ids=None``; everything else is
``tools/train.py`` as ``tools/dist_train.sh`` runs it on GPUs.
"""
import json
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.runner import load_checkpoint
from mmpretrain.registry import MODELS

from mmscl.models.losses import PairedContrastiveLoss, softmax_focal_loss
from conftest import CONFIGS, REPO_ROOT, write_tiny_chromosome_set

WORLD_SIZE = 2
PER_TYPE = 4
ITERS = 2

LAUNCHER = """
import json, os.path as osp, runpy, sys

import torch.distributed as dist
from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS

dist.init_process_group('gloo')


@HOOKS.register_module()
class RecordBatchesHook(Hook):
    '''Dump the (path, label) of every training sample this rank saw and
    the final sum of each parameter.'''

    def __init__(self):
        self.batches = []

    def before_train(self, runner):
        self.initial_sums = self.param_sums(runner)

    @staticmethod
    def param_sums(runner):
        return {n: p.double().sum().item()
                for n, p in runner.model.module.named_parameters()}

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        self.batches.append([[s.img_path, int(s.gt_label)]
                             for s in data_batch['data_samples']])

    def after_train(self, runner):
        record = dict(
            world_size=runner.world_size, iters=runner.iter,
            batches=self.batches, initial_param_sums=self.initial_sums,
            param_sums=self.param_sums(runner))
        path = osp.join(runner.work_dir, f'rank{runner.rank}.json')
        with open(path, 'w') as f:
            json.dump(record, f)


# argv: tools/train.py and its arguments.
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name='__main__')
"""

TINY_CONFIG = """
_base_ = '{configs}/scl/resnet34_ogh.py'
model = dict(backbone=dict(layers=(1, 1, 1, 1)))
train_pipeline = [
    dict(type='LoadChromosomeImage'),
    dict(type='Letterbox', canvas_size=48, scale=32),
    dict(type='RandomRotate', prob=1.0, angle=180.),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    num_workers=0,
    sampler=dict(steps_per_epoch={iters}),
    dataset=dict(data_root='{data}', ann_file='train.csv',
                 pipeline=train_pipeline))
train_cfg = dict(max_iters={iters})
default_hooks = dict(
    checkpoint=dict(interval={iters}, save_best=None),
    logger=dict(interval=1))
custom_hooks = [dict(type='RecordBatchesHook')]
env_cfg = dict(dist_cfg=dict(backend='gloo'))
model_wrapper_cfg = dict(type='MMDistributedDataParallel', device_ids=None)
"""


def test_two_process_training(tmp_path):
    data_root = write_tiny_chromosome_set(
        str(tmp_path / 'data'), per_type=PER_TYPE, splits=('train', ))
    config = tmp_path / 'tiny_dist.py'
    config.write_text(
        TINY_CONFIG.format(configs=CONFIGS, data=data_root, iters=ITERS))
    launcher = tmp_path / 'launch_train.py'
    launcher.write_text(LAUNCHER)
    work_dir = str(tmp_path / 'work')
    command = [
        sys.executable, '-m', 'torch.distributed.run', '--standalone',
        f'--nproc_per_node={WORLD_SIZE}',
        str(launcher),
        osp.join(REPO_ROOT, 'tools', 'train.py'),
        str(config), '--work-dir', work_dir, '--no-validate', '--launcher',
        'pytorch'
    ]
    result = subprocess.run(
        command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
        env=dict(os.environ, OMP_NUM_THREADS='1'))
    assert result.returncode == 0, result.stdout[-3000:] + \
        result.stderr[-3000:]

    records = []
    for rank in range(WORLD_SIZE):
        with open(osp.join(work_dir, f'rank{rank}.json')) as f:
            records.append(json.load(f))
    # Each rank took its own paired 2 x 24 batch at every step.
    paired_labels = list(range(24)) * 2
    for record in records:
        assert record['world_size'] == WORLD_SIZE
        assert record['iters'] == ITERS
        assert len(record['batches']) == ITERS
        for batch in record['batches']:
            assert [label for _, label in batch] == paired_labels
    # The B1 halves of the ranks split each type's crops between them: every
    # crop once in the epoch (ITERS x WORLD_SIZE == PER_TYPE).
    for k in range(24):
        firsts = [
            batch[k][0] for record in records for batch in record['batches']
        ]
        assert len(set(firsts)) == len(firsts) == PER_TYPE
    # Different batches, yet identical trained weights: the gradients were
    # reduced across the ranks.
    assert records[0]['batches'] != records[1]['batches']
    assert records[0]['param_sums'] == records[1]['param_sums']
    for key in ('head.embedding.weight', 'head.logit_scale'):
        assert records[0]['param_sums'][key] != \
            records[0]['initial_param_sums'][key]

    # The checkpoint of rank 0 loads into a model built from the config.
    model = MODELS.build(Config.fromfile(str(config)).model)
    checkpoint = load_checkpoint(
        model, osp.join(work_dir, f'iter_{ITERS}.pth'), strict=True)
    assert checkpoint['meta']['iter'] == ITERS
    sums = {n: p.double().sum().item() for n, p in model.named_parameters()}
    # (Up to the order of the float64 summation.)
    assert sums == pytest.approx(records[0]['param_sums'], rel=1e-12)


def rank_inputs(rank, num_types=4, dim=8):
    """Embeddings of the paired halves B1, B2 of a rank, and their types."""
    generator = torch.Generator().manual_seed(rank)
    embeds1 = torch.randn(num_types, dim, generator=generator)
    embeds2 = torch.randn(num_types, dim, generator=generator)
    labels = torch.arange(num_types)
    return embeds1, embeds2, labels, labels.clone()


LOGIT_SCALE = 5.


def gather_worker(rank, init_file, out_dir):
    torch.set_num_threads(1)
    dist.init_process_group(
        'gloo',
        init_method=f'file://{init_file}',
        rank=rank,
        world_size=WORLD_SIZE)
    embeds1, embeds2, labels1, labels2 = rank_inputs(rank)
    embeds1.requires_grad_()
    embeds2.requires_grad_()
    losses = {
        gather: PairedContrastiveLoss(gather_distributed=gather)(
            torch.stack([F.normalize(embeds1), F.normalize(embeds2)]),
            torch.stack([labels1, labels2]), torch.tensor(LOGIT_SCALE))
        for gather in (True, False)
    }
    losses[True].backward()
    results = dict(
        loss_gathered=losses[True].detach(),
        loss_local=losses[False].detach(),
        grad1=embeds1.grad,
        grad2=embeds2.grad)
    torch.save(results, osp.join(out_dir, f'rank{rank}.pt'))
    dist.destroy_process_group()


def rows_loss(query, query_labels, keys, key_labels):
    """Focal loss along the rows of ``t * query @ keys^T``, the same-type
    keys sharing the target."""
    positives = (query_labels[:, None] == key_labels[None, :]).float()
    target = positives / positives.sum(dim=1, keepdim=True)
    logits = LOGIT_SCALE * query @ keys.t()
    return softmax_focal_loss(logits, target, gamma=2.).mean()


def test_gathered_contrastive_loss_matches_one_process(tmp_path):
    # Forked (not spawned) workers need not import the package again.
    mp.start_processes(
        gather_worker,
        args=(str(tmp_path / 'store'), str(tmp_path)),
        nprocs=WORLD_SIZE,
        start_method='fork')
    results = [torch.load(tmp_path / f'rank{r}.pt') for r in range(WORLD_SIZE)]

    # One process, the batches of all ranks concatenated in rank order:
    # each rank's rows (B1, B2) against the keys of every rank, rows and
    # columns of S11, S12 and S22 as in eq. 3.
    inputs = [rank_inputs(r) for r in range(WORLD_SIZE)]
    leaves = [(e1.requires_grad_(), e2.requires_grad_())
              for e1, e2, _, _ in inputs]
    normed = [(F.normalize(e1), F.normalize(e2)) for e1, e2 in leaves]
    keys1 = torch.cat([n1 for n1, _ in normed])
    keys2 = torch.cat([n2 for _, n2 in normed])
    labels1 = torch.cat([i[2] for i in inputs])
    labels2 = torch.cat([i[3] for i in inputs])
    expected = []
    for (n1, n2), (_, _, l1, l2) in zip(normed, inputs):
        expected.append(2 * rows_loss(n1, l1, keys1, labels1) +
                        rows_loss(n1, l1, keys2, labels2) +
                        rows_loss(n2, l2, keys1, labels1) +
                        2 * rows_loss(n2, l2, keys2, labels2))
    for rank, result in enumerate(results):
        torch.testing.assert_close(result['loss_gathered'],
                                   expected[rank].detach())
        # Gathering changes the loss: the other rank's pairs take part.
        assert not torch.allclose(result['loss_gathered'],
                                  result['loss_local'])

    # Gradients reach each rank's own embeddings from the losses of all
    # ranks (DDP then averages), i.e. those of the summed loss.
    sum(expected).backward()
    for (e1, e2), result in zip(leaves, results):
        assert result['grad1'].abs().sum() > 0
        torch.testing.assert_close(result['grad1'], e1.grad)
        torch.testing.assert_close(result['grad2'], e2.grad)
