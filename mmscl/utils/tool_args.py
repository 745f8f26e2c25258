"""Command-line arguments that tools/train.py, tools/test.py and
tools/karyotype.py share."""
import argparse
import os
import os.path as osp

from mmengine.config import Config

from mmscl.engine.adaptation import check_shift_scale


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


def check_adapt_args(parser: argparse.ArgumentParser,
                     args: argparse.Namespace, default_shift_scale: float
                     ) -> None:
    """Refuse ``--adapt-shift-scale`` or ``--save-adapted`` without
    ``--adapt``, a shift scale below 0 or not finite, and ``--save-adapted``
    onto a file that exists or into a folder that cannot be made: the parser
    exits with the error. An ``--adapt-shift-scale`` not given (None)
    becomes ``default_shift_scale``.

    Args:
        parser (argparse.ArgumentParser): The parser that reports the error.
        args (argparse.Namespace): The arguments, with ``adapt``,
            ``adapt_shift_scale`` and ``save_adapted``.
        default_shift_scale (float): The shift scale of ``--adapt`` alone.
    """
    for option, value in (('--adapt-shift-scale', args.adapt_shift_scale),
                          ('--save-adapted', args.save_adapted)):
        if value is not None and not args.adapt:
            parser.error(f'{option} is a setting of --adapt: give --adapt '
                         'too.')
    if args.adapt_shift_scale is None:
        args.adapt_shift_scale = default_shift_scale
    try:
        check_shift_scale(args.adapt_shift_scale)
    except ValueError as e:
        parser.error(f'--adapt-shift-scale: {e}')
    if args.save_adapted:
        check_new_file(parser, args.save_adapted, '--save-adapted')


def check_new_file(parser: argparse.ArgumentParser, path: str,
                   option: str) -> None:
    """Refuse an output file that exists, or whose folder cannot be made
    (a file stands in its way): the parser exits with the error, before
    any work is done.

    Args:
        parser (argparse.ArgumentParser): The parser that reports the error.
        path (str): The file to write.
        option (str): The option that names it, for the message.
    """
    if osp.exists(path):
        parser.error(f'{option} {path} exists; give a new file.')
    check_output_folder(parser, osp.dirname(osp.abspath(path)), option)


def check_output_folder(parser: argparse.ArgumentParser, folder: str,
                        option: str) -> None:
    """Refuse an output folder that is a file, or that cannot be made
    because a file stands on its path, or whose nearest existing folder
    cannot be written: the parser exits with the error.

    Args:
        parser (argparse.ArgumentParser): The parser that reports the error.
        folder (str): The folder to write into (made if absent).
        option (str): The option that names it, for the message.
    """
    existing = osp.abspath(folder)
    while not osp.exists(existing):
        existing = osp.dirname(existing)
    if not osp.isdir(existing):
        parser.error(f'{option}: {existing} is a file, so the folder '
                     f'{folder} cannot be made there.')
    if not os.access(existing, os.W_OK | os.X_OK):
        parser.error(f'{option}: the folder {existing} cannot be written.')
