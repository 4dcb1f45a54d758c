"""A preview video of the reference head speaking: frames from the software renderer, piped to ffmpeg
(the static build shipped in the `imageio-ffmpeg` package) with the speech as the sound track."""
from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np

from ..errors import CafeTalkError


def write_video(anim, audio_path: str | Path | None, out: str | Path, size: tuple[int, int] = (360, 400),
                fps: float | None = None, progress=None) -> Path:
    """Render `anim` (an Animation) on the reference head into an H.264 MP4 (with AAC audio when given)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    try:
        import imageio_ffmpeg
    except ImportError:
        raise CafeTalkError("video previews need the imageio-ffmpeg package (pip install imageio-ffmpeg)") from None
    from .render import draw
    from .rig import reference_head

    head = reference_head()
    fps = fps or anim.fps
    anim = anim.resample(fps)
    w, h = size
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgb24",
           "-s", f"{w}x{h}", "-r", f"{fps:g}", "-i", "-"]
    if audio_path is not None:
        cmd += ["-i", str(audio_path), "-c:a", "aac", "-shortest"]
    cmd += ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-movflags", "+faststart", str(out)]
    fig = plt.figure(figsize=(w / 100, h / 100), dpi=100)
    ax = fig.add_axes((0, 0, 1, 1))
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        for i in range(anim.num_frames):
            ax.clear()
            draw(ax, head.mesh, head.pose(anim.blendshapes[i]))
            fig.canvas.draw()
            rgb = np.asarray(fig.canvas.buffer_rgba())[..., :3]
            proc.stdin.write(np.ascontiguousarray(rgb).tobytes())
            if progress:
                progress((i + 1) / anim.num_frames)
        proc.stdin.close()
        err = proc.stderr.read().decode(errors="replace")
        if proc.wait() != 0:
            raise CafeTalkError(f"ffmpeg could not write {out}: {err.strip()[-300:]}")
    finally:
        plt.close(fig)
        if proc.poll() is None:
            proc.kill()
    return out
