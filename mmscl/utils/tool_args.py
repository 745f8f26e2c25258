"""Command-line arguments that tools/train.py, tools/test.py and
tools/karyotype.py share."""
import argparse
import os
import os.path as osp

from mmengine.config import Config


def add_launcher_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the job launcher's arguments (``--launcher``, ``--local_rank``).

    Args:
        parser (argparse.ArgumentParser): The tool's parser.
    """
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch', 'slurm', 'mpi'],
                        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def set_local_rank(args: argparse.Namespace) -> None:
    """Give ``LOCAL_RANK`` the ``--local_rank`` of a launcher that passes
    the rank as an argument, unless the environment already has one.

    Args:
        args (argparse.Namespace): The parsed arguments.
    """
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))


def set_launcher_and_work_dir(cfg: Config, args: argparse.Namespace) -> None:
    """Set the config's launcher and work dir: ``--work-dir``, else the
    config's own, else ``work_dirs/<config name>``.

    Args:
        cfg (Config): The config, changed in place.
        args (argparse.Namespace): The arguments, with ``launcher``,
            ``work_dir`` and ``config``.
    """
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('work_dirs',
                                osp.splitext(osp.basename(args.config))[0])


def check_save_adapted(parser: argparse.ArgumentParser,
                       args: argparse.Namespace) -> None:
    """Refuse ``--save-adapted`` without ``--adapt``, or onto a file that
    exists: the parser exits with the error.

    Args:
        parser (argparse.ArgumentParser): The parser that reports the error.
        args (argparse.Namespace): The arguments, with ``adapt`` and
            ``save_adapted``.
    """
    if args.save_adapted and not args.adapt:
        parser.error('--save-adapted writes the weights of --adapt: give '
                     '--adapt too.')
    if args.save_adapted and osp.exists(args.save_adapted):
        parser.error(f'--save-adapted {args.save_adapted} exists; give a '
                     'new file.')
