import io
import os.path as osp
import shutil
import struct
import subprocess

import cv2
import numpy as np
import pytest
from mmcv.transforms import Compose, RandomFlip
from mmengine.registry import DefaultScope
from PIL import Image

from benchmarks.lab_shift_transforms import (RandomBandFade,
                                             RandomGaussianNoise,
                                             RandomJPEGCompression)
from mmscl.datasets.morphometry import (foreground_box, foreground_mask,
                                       long_axis_tilt)
from mmscl.datasets.transforms import (AlignLongAxis, Letterbox,
                                       LoadChromosomeImage, NormalizeStain,
                                       RandomContrastGamma,
                                       RandomReferenceScale, RandomRotate)

SHARED_DATA = osp.join(
    osp.dirname(osp.dirname(osp.abspath(__file__))), '..', 'shared', 'data')

CROP = np.array([[(7 * r + 13 * c) % 200 for c in range(20)]
                 for r in range(10)],
                dtype=np.uint8)  # H=10, W=20


def load(path):
    return LoadChromosomeImage()(dict(img_path=str(path)))


def save(array_or_image, path, **kwargs):
    image = array_or_image if isinstance(
        array_or_image, Image.Image) else Image.fromarray(array_or_image)
    image.save(path, **kwargs)
    return path


# ---------------------------------------------------------------- loading


@pytest.mark.parametrize('name,kwargs', [('crop.tiff', {
    'compression': 'tiff_lzw'
}), ('crop.bmp', {}), ('crop.png', {})])
def test_load_gray_exact(tmp_path, name, kwargs):
    results = load(save(CROP, tmp_path / name, **kwargs))
    assert results['img'].dtype == np.uint8
    np.testing.assert_array_equal(results['img'], CROP)
    assert results['img_shape'] == results['ori_shape'] == (10, 20)


def test_load_rgba_composited_on_white(tmp_path):
    rgba = np.zeros((2, 3, 4), dtype=np.uint8)
    rgba[..., :3] = 40
    rgba[..., 3] = [[0, 128, 255], [255, 0, 128]]
    img = load(save(rgba, tmp_path / 'rgba.tiff'))['img']
    # 40 * a + 255 * (1 - a): a = 0 -> 255, a = 1 -> 40, a = 128/255 -> 147
    np.testing.assert_array_equal(img, [[255, 147, 40], [40, 255, 147]])

    black_background = LoadChromosomeImage(background=0)(
        dict(img_path=str(tmp_path / 'rgba.tiff')))['img']
    np.testing.assert_array_equal(black_background, [[0, 20, 40], [40, 0, 20]])


def test_load_rgb_and_palette(tmp_path):
    rgb = np.stack([CROP] * 3, axis=-1)
    rgb[0, 0] = (255, 0, 0)  # pure red: luma 0.299 * 255 = 76.2
    img = load(save(rgb, tmp_path / 'rgb.bmp'))['img']
    assert img.shape == (10, 20)
    assert img[0, 0] == 76
    np.testing.assert_array_equal(img.ravel()[1:], CROP.ravel()[1:])

    palette = Image.fromarray(CROP).convert('P')
    for ext in ('png', 'tiff', 'bmp'):
        img = load(save(palette, tmp_path / f'palette.{ext}'))['img']
        np.testing.assert_array_equal(img, CROP)


def test_load_bilevel(tmp_path):
    img = load(save(Image.fromarray(CROP > 100), tmp_path / 'bit.png'))['img']
    np.testing.assert_array_equal(img, np.where(CROP > 100, 255, 0))


@pytest.mark.parametrize('ext', ['png', 'tiff'])
def test_load_16bit_scaled(tmp_path, ext):
    img16 = CROP.astype(np.uint16) * 257
    img16[0, 0] = 65535
    img = load(save(img16, tmp_path / f'deep.{ext}'))['img']
    expected = CROP.copy()
    expected[0, 0] = 255
    np.testing.assert_array_equal(img, expected)


def test_load_falls_back_to_opencv(tmp_path):
    # A BMP with a 48-byte info header (valid fields, non-standard size):
    # PIL rejects it, OpenCV reads it.
    buffer = io.BytesIO()
    Image.fromarray(CROP).save(buffer, format='BMP')
    data = buffer.getvalue()
    extra = 8
    data = bytearray(data[:14] + struct.pack('<I', 40 + extra) + data[18:54] +
                     bytes(extra) + data[54:])
    data[10:14] = struct.pack('<I', struct.unpack('<I', data[10:14])[0] + 8)
    path = tmp_path / 'odd_header.bmp'
    path.write_bytes(bytes(data))
    with pytest.raises(OSError):
        Image.open(path)
    np.testing.assert_array_equal(load(path)['img'], CROP)


def test_load_backend_order(tmp_path):
    lzw = save(CROP, tmp_path / 'crop.tiff', compression='tiff_lzw')
    gray_alpha = Image.merge(
        'LA', [Image.fromarray(CROP),
               Image.fromarray(np.zeros_like(CROP))])
    gray_alpha = save(gray_alpha, tmp_path / 'gray_alpha.tiff')
    pillow_first = LoadChromosomeImage()
    cv2_first = LoadChromosomeImage(imdecode_backends=('cv2', 'pillow'))
    for load_image in (pillow_first, cv2_first):
        img = load_image(dict(img_path=str(lzw)))['img']
        np.testing.assert_array_equal(img, CROP)
    # The documented reason for PIL first: OpenCV drops the alpha of
    # gray+alpha TIFFs (all transparent here).
    img = pillow_first(dict(img_path=str(gray_alpha)))['img']
    assert (img == 255).all()
    img = cv2_first(dict(img_path=str(gray_alpha)))['img']
    np.testing.assert_array_equal(img, CROP)
    with pytest.raises(ValueError, match='imdecode backends'):
        LoadChromosomeImage(imdecode_backends=('pil', ))


def test_load_errors_name_the_file(tmp_path):
    missing = tmp_path / 'missing.tiff'
    with pytest.raises(FileNotFoundError, match='missing.tiff'):
        load(missing)
    garbage = tmp_path / 'garbage.tiff'
    garbage.write_bytes(b'not an image at all')
    with pytest.raises(OSError, match='garbage.tiff'):
        load(garbage)
    floats = save(
        Image.fromarray(CROP.astype(np.float32)), tmp_path / 'float.tiff')
    with pytest.raises(ValueError, match='float.tiff.*float32'):
        load(floats)
    with pytest.raises(ValueError, match='background'):
        LoadChromosomeImage(background=300)


@pytest.mark.skipif(
    not osp.isdir(SHARED_DATA) or shutil.which('tar') is None,
    reason='shared real data or tar not available')
def test_load_real_rgba_tiff_and_rgb_bmp(tmp_path):
    # gband612's RGBA TIFFs have a header OpenCV's libtiff warns about.
    members = {
        'gband612.tar.gz': 'gband612/single_clase/97002461.12.tiff/clase10/'
        'clase10_1_97002461.12.tiff',
        'qband119.tar.gz': 'qband119/single_chromosomes/3/3 21b.bmp',
    }
    for tarball, member in members.items():
        tarball = osp.join(SHARED_DATA, tarball)
        subprocess.run(['tar', 'xzf', tarball, '-C', tmp_path, member],
                       check=True)
        path = tmp_path / member
        with Image.open(path) as image:
            raw = np.array(image)
        assert raw.ndim == 3 and (raw[..., 0] == raw[..., 2]).all()
        img = load(path)['img']
        np.testing.assert_array_equal(img, raw[..., 0])
    assert img[0, 0] == 0  # Q-band: black background


# ---------------------------------------------------------------- letterbox


def test_letterbox_keeps_a_fitting_crop_unchanged_at_the_centre():
    results = Letterbox(canvas_size=64, scale=64)(dict(img=CROP))
    img = results['img']
    assert img.shape == results['img_shape'] == (64, 64)
    assert results['scale_factor'] == (1., 1.)
    top, left = (64 - 10) // 2, (64 - 20) // 2
    np.testing.assert_array_equal(img[top:top + 10, left:left + 20], CROP)
    img[top:top + 10, left:left + 20] = 255
    assert (img == 255).all()


def test_letterbox_keeps_pixel_scale_between_crops():
    short = np.zeros((20, 10), np.uint8)
    long = np.zeros((40, 10), np.uint8)
    letterbox = Letterbox(canvas_size=64, scale=128, interpolation='nearest')
    for crop in (short, long):
        img = letterbox(dict(img=crop))['img']
        rows, cols = np.nonzero(img < 255)
        # Both doubled, none stretched to the output size.
        assert rows.max() - rows.min() + 1 == 2 * crop.shape[0]
        assert cols.max() - cols.min() + 1 == 20


def test_letterbox_shrinks_crops_that_do_not_fit():
    crop = np.zeros((40, 100), np.uint8)
    results = Letterbox(
        canvas_size=50, scale=50, interpolation='area')(
            dict(img=crop))
    img = results['img']
    assert results['scale_factor'] == (0.5, 0.5)
    expected = np.full((50, 50), 255, np.uint8)
    expected[15:35, :] = 0  # 20 x 50, centred
    np.testing.assert_array_equal(img, expected)


def test_letterbox_shrinks_an_image_on_a_larger_canvas():
    canvas = np.full((300, 300), 255, np.uint8)
    canvas[100:200, 140:160] = 0
    img = Letterbox(
        canvas_size=150, scale=150,
        interpolation='area')(dict(img=canvas))['img']
    expected = np.full((150, 150), 255, np.uint8)
    expected[50:100, 70:80] = 0
    np.testing.assert_array_equal(img, expected)


def test_letterbox_background_and_arguments():
    img = Letterbox(
        canvas_size=32, scale=32,
        background=0)(dict(img=np.full((4, 4), 200, np.uint8)))['img']
    assert img[0, 0] == 0 and img[16, 16] == 200
    for kwargs in (dict(canvas_size=0), dict(canvas_size=64.5),
                   dict(canvas_size=64,
                        scale=0), dict(canvas_size=64, background=-1),
                   dict(canvas_size=64, interpolation='cubic')):
        with pytest.raises(ValueError):
            Letterbox(**kwargs)


def test_letterbox_needs_one_scale_setting():
    for kwargs in (dict(), dict(canvas_size=64, reference_fraction=0.4),
                   dict(reference_fraction=0.), dict(reference_fraction=1.5)):
        with pytest.raises(ValueError):
            Letterbox(scale=64, **kwargs)
    with pytest.raises(KeyError, match='ref_length'):
        Letterbox(scale=64, reference_fraction=0.4)(dict(img=CROP))


def test_letterbox_normalises_the_reference_length():
    # A 10 x 40 chromosome on a 100 x 100 canvas, reference length 50:
    # cut to its box, then scaled by 0.5 * 64 / 50 (to 26 x 6 px).
    canvas = np.full((100, 100), 255, np.uint8)
    canvas[30:70, 45:55] = 0
    results = Letterbox(
        scale=64, reference_fraction=0.5, interpolation='area')(
            dict(img=canvas, ref_length=50.))
    assert results['img'].shape == (64, 64)
    assert results['scale_factor'] == (0.64, 0.64)
    rows, cols = np.nonzero(results['img'] < 128)
    assert rows.max() - rows.min() + 1 == 26
    assert cols.max() - cols.min() + 1 == 6
    # A crop too long for the output at that scale is shrunk to fit.
    results = Letterbox(scale=64, reference_fraction=0.5)(
        dict(img=canvas, ref_length=10.))
    rows, _ = np.nonzero(results['img'] < 128)
    assert rows.max() - rows.min() + 1 == 64


def test_random_reference_scale():
    np.random.seed(0)
    jitter = RandomReferenceScale(ratio_range=(0.5, 2.))
    ratios = [50. / jitter(dict(ref_length=50.))['ref_length']
              for _ in range(400)]
    assert 0.5 <= min(ratios) and max(ratios) <= 2.
    # Log-uniform: as many drawn smaller as larger.
    assert 150 < sum(r < 1 for r in ratios) < 250
    assert RandomReferenceScale(prob=0.)(dict(ref_length=7.)) == dict(
        ref_length=7.)
    with pytest.raises(KeyError, match='ref_length'):
        jitter(dict(img=CROP))
    with pytest.raises(ValueError):
        RandomReferenceScale(ratio_range=(0., 1.))


# ---------------------------------------------------------------- rotation


def test_rotate_90_degrees_exactly():
    img = np.arange(64, dtype=np.uint8).reshape(8, 8)
    rotated = RandomRotate(prob=1., angle=(90, 90))(dict(img=img))['img']
    np.testing.assert_array_equal(rotated, np.rot90(img, k=-1))  # clockwise


def test_rotate_fills_corners_with_background():
    img = np.zeros((64, 64), np.uint8)
    results = RandomRotate(prob=1., angle=(45, 45))(dict(img=img))
    rotated = results['img']
    assert rotated.shape == results['img_shape'] == (64, 64)
    for corner in (rotated[0, 0], rotated[0, -1], rotated[-1, 0], rotated[-1,
                                                                          -1]):
        assert corner == 255
    assert (rotated[22:42, 22:42] == 0).all()

    black = RandomRotate(
        prob=1., angle=(45, 45),
        fill=0)(dict(img=np.full((64, 64), 200, np.uint8)))['img']
    assert black[0, 0] == 0 and black[32, 32] == 200


def test_rotate_expand_keeps_the_whole_crop():
    crop = np.zeros((20, 10), np.uint8)
    results = RandomRotate(
        prob=1., angle=(90, 90), expand=True)(
            dict(img=crop))
    assert results['img'].shape == results['img_shape'] == (10, 20)
    assert (results['img'] == 0).all()
    diagonal = RandomRotate(
        prob=1., angle=(45, 45), expand=True)(dict(img=crop))['img']
    assert diagonal.shape[0] > 20 and diagonal.shape[1] > 10
    # Nothing cut: the crop's darkness is all still there.
    darkness = (255 - diagonal.astype(float)).sum() / 255
    assert abs(darkness - crop.size) < 0.03 * crop.size


def bar(shape, angle, length=40, width=8, value=40):
    """A dark bar on white, its long axis ``angle`` degrees clockwise from
    the image's x axis (as cv2 draws it), and its mask."""
    img = np.full(shape, 255, np.uint8)
    centre = (shape[1] // 2, shape[0] // 2)
    cv2.ellipse(img, centre, (length // 2, width // 2), angle, 0, 360, value,
                -1)
    return img, img < 255


@pytest.mark.parametrize('angle,tilt', [(90, 0.), (0, -90.), (30, 60.),
                                        (150, -60.), (100, -10.)])
def test_long_axis_tilt_of_bars(angle, tilt):
    # A bar at `angle` clockwise from x leans 90 - angle clockwise from the
    # vertical: turning it that far (the shorter way) makes it upright.
    _, mask = bar((80, 80), angle)
    assert long_axis_tilt(mask) == pytest.approx(tilt, abs=0.5)


def test_long_axis_tilt_without_a_long_axis():
    assert long_axis_tilt(np.zeros((9, 9), bool)) == 0.
    square = np.zeros((9, 9), bool)
    square[2:7, 2:7] = True
    assert long_axis_tilt(square) == 0.


def test_align_long_axis_turns_crops_upright_and_keeps_them_whole():
    img, _ = bar((60, 60), 30)
    results = AlignLongAxis()(dict(img=img))
    upright = results['img']
    assert upright.shape == results['img_shape']
    assert upright.shape[0] > 60 and upright.shape[1] > 60  # expanded
    upright_mask = foreground_mask(upright)
    assert abs(long_axis_tilt(upright_mask)) < 1.
    top, bottom, left, right = foreground_box(upright_mask)
    # Its length now runs down the rows (the width is 9 px, and 1 px more
    # on each side where the rotation blends the edge with the white).
    assert bottom - top == pytest.approx(41, abs=2)
    assert right - left <= 11
    # Nothing cut, the new corners white.
    darkness = (255. - upright).sum()
    assert darkness == pytest.approx((255. - img).sum(), rel=0.03)
    assert upright[0, 0] == upright[-1, -1] == 255
    # An upright crop is left as it is.
    vertical, _ = bar((60, 30), 90)
    assert AlignLongAxis()(dict(img=vertical))['img'] is vertical


def test_align_long_axis_arguments():
    assert repr(AlignLongAxis(fill=0)) == (
        "AlignLongAxis(fill=0, interpolation='bilinear')")
    for kwargs in (dict(fill=256), dict(interpolation='smooth')):
        with pytest.raises(ValueError):
            AlignLongAxis(**kwargs)
    with pytest.raises(TypeError, match='uint8'):
        AlignLongAxis()(dict(img=np.zeros((9, 9), np.float32)))


def test_rotate_probability_and_arguments():
    img = np.arange(64, dtype=np.uint8).reshape(8, 8)
    assert RandomRotate(prob=0.)(dict(img=img))['img'] is img
    np.random.seed(0)
    rotate = RandomRotate(prob=0.5, angle=(90, 90))
    rotated = sum(not np.array_equal(rotate(dict(img=img))['img'], img)
                  for _ in range(200))
    assert 70 < rotated < 130
    for kwargs in (dict(prob=1.5), dict(angle=(10, -10)), dict(fill=256),
                   dict(interpolation='smooth')):
        with pytest.raises(ValueError):
            RandomRotate(**kwargs)


# ---------------------------------------------------------------- intensity

VALUES = np.array([[0, 5, 100, 128, 200, 255]], dtype=np.uint8)


def jitter(img, **kwargs):
    kwargs = {
        'prob': 1.,
        'contrast': None,
        'gamma': None,
        'brightness': None,
        **kwargs
    }
    return RandomContrastGamma(**kwargs)(dict(img=img))['img']


def test_contrast_about_the_background():
    np.testing.assert_array_equal(
        jitter(VALUES, contrast=(2, 2)), [[0, 0, 0, 1, 145, 255]])
    np.testing.assert_array_equal(
        jitter(VALUES, contrast=(0.5, 0.5)), [[128, 130, 178, 192, 228, 255]])
    np.testing.assert_array_equal(
        jitter(VALUES, contrast=(2, 2), background=0),
        [[0, 10, 200, 255, 255, 255]])


def test_gamma_and_brightness():
    # 255 * (128 / 255) ** 2 = 64.25, 255 * (100 / 255) ** 2 = 39.2
    np.testing.assert_array_equal(
        jitter(VALUES, gamma=(2, 2)), [[0, 0, 39, 64, 157, 255]])
    np.testing.assert_array_equal(
        jitter(VALUES, brightness=(-10, -10)), [[0, 0, 90, 118, 190, 245]])


def test_default_jitter_keeps_the_background_white_ish():
    np.random.seed(0)
    jitter_transform = RandomContrastGamma(prob=1.)
    changed = 0
    for _ in range(50):
        out = jitter_transform(dict(img=VALUES))['img']
        assert out[0, -1] >= 245
        changed += not np.array_equal(out, VALUES)
    assert changed >= 45
    assert RandomContrastGamma(prob=0.)(dict(img=VALUES))['img'] is VALUES


def test_jitter_arguments():
    with pytest.raises(TypeError, match='uint8'):
        jitter(VALUES.astype(np.float32), contrast=(2, 2))
    for kwargs in (dict(contrast=(0, 1)), dict(gamma=(1.5, 1.)),
                   dict(brightness=(1, 2, 3)), dict(prob=-0.1)):
        with pytest.raises(ValueError):
            RandomContrastGamma(**kwargs)


def test_gaussian_noise_has_the_drawn_std_and_keeps_uint8():
    np.random.seed(0)
    flat = np.full((200, 200), 128, np.uint8)
    out = RandomGaussianNoise(prob=1., std=(6., 6.))(dict(img=flat))['img']
    assert out.dtype == np.uint8 and out.shape == flat.shape
    assert abs(out.astype(float).std() - 6.) < 0.1
    assert abs(out.astype(float).mean() - 128.) < 0.1
    # Clipped, not wrapped, at white.
    white = np.full((50, 50), 255, np.uint8)
    out = RandomGaussianNoise(prob=1., std=(20., 20.))(dict(img=white))['img']
    assert out.min() > 150 and out.max() == 255
    assert RandomGaussianNoise(prob=0.)(dict(img=flat))['img'] is flat
    for kwargs in (dict(std=None), dict(std=(0, 1)), dict(prob=2.)):
        with pytest.raises(ValueError, match='RandomGaussianNoise: '):
            RandomGaussianNoise(**kwargs)
    with pytest.raises(TypeError, match='uint8'):
        RandomGaussianNoise(prob=1.)(dict(img=flat.astype(np.float32)))


def test_jpeg_compression_loses_more_at_lower_quality():
    np.random.seed(0)
    img = np.tile(np.arange(0, 250, 5, dtype=np.uint8), (40, 1))  # 40 x 50
    img[10:30, 20:30] = 30

    def error(quality):
        out = RandomJPEGCompression(prob=1., quality=(quality, quality))(
            dict(img=img))['img']
        assert out.dtype == np.uint8 and out.shape == img.shape
        return np.abs(out.astype(float) - img).mean()

    # PIL's JPEG coder (libjpeg, as OpenCV's) at the same quality: the
    # same loss within a gray level.
    encoded = io.BytesIO()
    Image.fromarray(img).save(encoded, 'JPEG', quality=20)
    pil_error = np.abs(
        np.asarray(Image.open(encoded)).astype(float) - img).mean()
    assert abs(error(20) - pil_error) < 1.
    assert error(95) < 1. < error(20) and error(20) < error(5)
    # A (H, W, 1) image keeps its shape.
    out = RandomJPEGCompression(prob=1.)(dict(img=img[..., None]))['img']
    assert out.shape == (40, 50, 1)
    assert RandomJPEGCompression(prob=0.)(dict(img=img))['img'] is img
    for kwargs in (dict(quality=(0, 50)), dict(quality=(90, 30)),
                   dict(quality=(50, )), dict(prob=-1.)):
        with pytest.raises(ValueError, match='RandomJPEGCompression: '):
            RandomJPEGCompression(**kwargs)


def test_normalize_stain_without_stretch_inverts_only_dark_backgrounds():
    dark = np.zeros((9, 9), np.uint8)
    dark[2:7, 3:6] = 120  # bright chromosome on black
    light = 255 - dark
    for invert, img, expected in (('auto', dark, light), ('auto', light, light),
                                  (True, light, dark), (False, dark, dark)):
        out = NormalizeStain(invert=invert, stretch=False)(dict(img=img))
        np.testing.assert_array_equal(out['img'], expected)
    with pytest.raises(TypeError, match='uint8'):
        NormalizeStain()(dict(img=dark.astype(np.uint16)))
    for kwargs in (dict(invert='yes'), dict(invert=1),
                   dict(dark_percentile=50)):
        with pytest.raises(ValueError):
            NormalizeStain(**kwargs)


def test_normalize_stain_stretches_a_pale_chromosome():
    # A pale chromosome (bands 150 and 200) on a gray background (230).
    img = np.full((20, 20), 230, np.uint8)
    img[4:16, 8:12] = 200
    img[4:10, 8:12] = 150
    out = NormalizeStain(dark_percentile=0.)(dict(img=img))['img']
    # 150 -> 0, 230 -> 255, linear between: 200 -> 255 * 50 / 80.
    assert (out[4:10, 8:12] == 0).all()
    assert (out[10:16, 8:12] == round(255 * 50 / 80)).all()
    assert (out[:4] == 255).all() and (out[:, :8] == 255).all()
    # Its Q-band twin (bright on black) comes out the same.
    np.testing.assert_array_equal(
        NormalizeStain(dark_percentile=0.)(dict(img=255 - img))['img'], out)
    # A blank crop is left alone.
    blank = np.full((8, 8), 200, np.uint8)
    np.testing.assert_array_equal(NormalizeStain()(dict(img=blank))['img'],
                                  blank)


# ---------------------------------------------------------------- pipeline


def test_mmcv_random_flip_on_grayscale():
    results = RandomFlip(prob=1., direction='horizontal')(dict(img=CROP))
    np.testing.assert_array_equal(results['img'], CROP[:, ::-1])
    assert results['flip'] and results['flip_direction'] == 'horizontal'


def test_train_pipeline_from_config(tmp_path):
    path = save(CROP, tmp_path / 'crop.tiff', compression='tiff_lzw')
    pipeline = [
        dict(type='LoadChromosomeImage'),
        dict(type='Letterbox', scale=224, canvas_size=192),
        dict(type='RandomRotate', prob=1., angle=30.),
        dict(type='RandomContrastGamma', prob=1.),
        dict(
            type='RandomFlip', prob=0.5, direction=['horizontal', 'vertical']),
        dict(type='PackInputs'),
    ]
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        transform = Compose(pipeline)
    assert 'canvas_size=192' in repr(transform)
    packed = transform(dict(img_path=str(path), gt_label=6))
    inputs = packed['inputs']
    assert tuple(inputs.shape) == (1, 224, 224)
    assert str(inputs.dtype) == 'torch.uint8'
    assert packed['data_samples'].gt_label.tolist() == [6]
    assert packed['data_samples'].ori_shape == (10, 20)
    assert inputs.max() >= 245  # the background stays white-ish


def test_repr_lists_the_settings():
    assert repr(RandomRotate(angle=15.)) == (
        "RandomRotate(prob=0.5, angle=(-15.0, 15.0), fill=255, "
        "expand=False, interpolation='bilinear')")
    assert repr(NormalizeStain()) == (
        "NormalizeStain(invert='auto', stretch=True, dark_percentile=2.0)")


@pytest.mark.parametrize(
    'name', ['lab_augment', 'optics_augment', 'band_fade', 'band_stain'])
def test_benchmark_configs_import_their_transforms(name):
    from mmengine.config import Config
    from mmpretrain.registry import TRANSFORMS
    cfg = Config.fromfile(osp.join(
        osp.dirname(__file__), '..', 'benchmarks', 'configs',
        f'scl_resnet18_gband612_{name}.py'))
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        names = [
            type(TRANSFORMS.build(t)).__name__
            for t in cfg.train_dataloader.dataset.pipeline
        ]
    assert {'lab_augment': 'GaussianBlur',
            'optics_augment': 'RandomJPEGCompression',
            'band_fade': 'RandomBandFade',
            'band_stain': 'RandomBandStain'}[name] in names
    if name.startswith('band_'):
        # The shipped pipeline with the experiment's transform after the
        # Letterbox, nothing else changed.
        shipped = Config.fromfile(osp.join(
            osp.dirname(__file__), '..', 'configs', 'scl',
            'resnet18_gband612.py')).train_dataloader.dataset.pipeline
        pipeline = cfg.train_dataloader.dataset.pipeline
        at = [t.type for t in shipped].index('Letterbox') + 1
        assert pipeline[:at] + pipeline[at + 1:] == shipped


def test_band_fade_flattens_the_bands_inside_the_outline():
    """RandomBandFade keeps the background and the outline, keeps the
    chromosome's mean gray value, and scales the bands' contrast by the
    drawn factor (a blur of sigma ~0 leaves only the contrast)."""
    from mmscl.datasets.morphometry import foreground_mask
    rng = np.random.default_rng(0)
    img = np.full((64, 64), 255, np.uint8)
    img[10:54, 28:36] = rng.integers(100, 180, (44, 8))
    img[20:24, 28:36] = 10
    mask = foreground_mask(img)
    assert mask.sum() == 44 * 8
    out = RandomBandFade(prob=1., sigma=(1e-4, 1e-4),
                         contrast=(0.5, 0.5))(dict(img=img))['img']
    assert (out[~mask] == 255).all()
    inside = img[mask].astype(float)
    expected = np.rint(inside.mean() + 0.5 * (inside - inside.mean()))
    assert np.abs(out[mask] - expected).max() <= 1
    # A wider blur evens out the dark band too.
    blurred = RandomBandFade(prob=1., sigma=(0.05, 0.05),
                             contrast=(1., 1.))(dict(img=img))['img']
    assert blurred[mask].std() < 0.6 * inside.std()
    assert abs(blurred[mask].mean() - inside.mean()) < 3
    assert RandomBandFade(prob=0.)(dict(img=img))['img'] is img
    for kwargs in (dict(sigma=(0, 0.1)), dict(contrast=(0.5, 0.2))):
        with pytest.raises(ValueError, match='RandomBandFade: '):
            RandomBandFade(**kwargs)


def test_band_stain_gains_along_the_rows_then_tones():
    """RandomBandStain keeps the background and the outline; with no tone
    change it multiplies the bands' contrast around the chromosome's mean
    by the gain interpolated over its rows, and a tone curve alone maps the
    gray values monotonically."""
    from benchmarks.lab_shift_transforms import RandomBandStain
    rng = np.random.default_rng(0)
    img = np.full((64, 64), 255, np.uint8)
    img[10:54, 28:36] = rng.integers(100, 180, (44, 8))
    mask = img < 255
    stain = RandomBandStain(prob=1.)
    identity_curve = np.linspace(0., 255., 7)[1:-1]
    # Gains 0.5 at the top row of the chromosome, 1.5 at its bottom row.
    out = stain.apply(dict(img=img), (np.array([0.5, 1.5]),
                                      identity_curve))['img']
    assert (out[~mask] == 255).all()
    gray = img.astype(float)
    mean = gray[mask].mean()
    gain = np.interp(np.arange(64), [10, 53], [0.5, 1.5])[:, None]
    expected = np.clip(np.rint(mean + gain * (gray - mean)), 0, 254)
    assert np.abs(out[mask] - expected[mask]).max() <= 1
    # A tone curve alone: monotone, the background still white.
    curve = identity_curve - 30.
    toned = stain.apply(dict(img=img), (np.ones(2), curve))['img']
    assert (toned[~mask] == 255).all()
    order = np.argsort(img[mask], kind='stable')
    assert (np.diff(toned[mask][order].astype(int)) >= 0).all()
    assert toned[mask].mean() < img[mask].mean() - 20
    # Drawn: sorted tone points within 0-255, positive gains, seeded.
    np.random.seed(3)
    gains, points = stain.draw()
    assert len(gains) == 6 and (gains > 0).all()
    assert (np.diff(points) >= 0).all() and 0 <= points.min() <= 255
    assert RandomBandStain(prob=0.)(dict(img=img))['img'] is img
    with pytest.raises(ValueError, match='RandomBandStain: '):
        RandomBandStain(knots=1)
