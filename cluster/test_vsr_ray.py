#!/usr/bin/env python3
"""End-to-end test of the Ray driver on a local cluster this test starts itself (a head and a
second node on this machine, one CPU each): one video upscaled in segments across both nodes,
one segment task killed with SIGKILL mid-run (Ray retries it), and the joined result compared
frame by frame with a single-pass `vsr upscale` of the same input (ffv1: bit-identical).

  python3 cluster/test_vsr_ray.py [path/to/vsr]     (make test runs it with the release build)
"""
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def sh(*cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


def frame_hashes(path):
    out = sh('ffmpeg', '-v', 'error', '-i', path, '-map', '0:v', '-f', 'framemd5', '-')
    return [line.split(',')[-1].strip() + '@' + line.split(',')[2].strip() for line in out.splitlines() if not line.startswith('#')]


def audio_hashes(path):
    return sh('ffprobe', '-v', 'error', '-select_streams', 'a', '-show_data_hash', 'MD5', '-show_entries',
              'packet=pts,data_hash', '-of', 'csv', path).splitlines()


def segment_processes():
    """PIDs of running `vsr upscale --segment` processes (from /proc: no procps needed)."""
    pids = []
    for pid in filter(str.isdigit, os.listdir('/proc')):
        try:
            args = open(f'/proc/{pid}/cmdline', 'rb').read().split(b'\0')
        except OSError:
            continue
        if b'upscale' in args and b'--segment' in args:
            pids.append(int(pid))
    return pids


def kill_one_segment(killed, stop):
    """SIGKILLs the first `vsr upscale --segment` process it sees (a task dying mid-segment)."""
    while not stop.is_set():
        pids = segment_processes()
        if pids:
            time.sleep(0.05)  # let it get into the segment
            try:
                os.kill(pids[0], signal.SIGKILL)
                killed.append(pids[0])
                return
            except ProcessLookupError:
                continue
        time.sleep(0.005)


def main():
    vsr = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, '..', '.build', 'release', 'vsr'))
    work = tempfile.mkdtemp(prefix='vsr-ray-test-')
    port = random.randint(30000, 40000)
    env = dict(os.environ, RAY_USAGE_STATS_ENABLED='0')
    try:
        clip = os.path.join(work, 'in.mkv')
        sh('ffmpeg', '-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=480x270:rate=25', '-f', 'lavfi', '-i',
           'sine=frequency=330', '-t', '8', '-c:v', 'libx264', '-g', '25', '-c:a', 'aac', '-shortest', clip)
        single = os.path.join(work, 'single.mkv')
        sh(vsr, 'upscale', clip, single, '--model', 'fast', '--encoder', 'ffv1', '--segment-seconds', '0', '--quiet')

        sh('ray', 'start', '--head', f'--port={port}', '--num-cpus=1', '--include-dashboard=false',
           '--disable-usage-stats', env=env)
        sh('ray', 'start', f'--address=127.0.0.1:{port}', '--num-cpus=1', env=env)

        killed, stop = [], threading.Event()
        killer = threading.Thread(target=kill_one_segment, args=(killed, stop))
        killer.start()
        out = os.path.join(work, 'out.mkv')
        start = time.monotonic()
        log = sh(sys.executable, os.path.join(HERE, 'vsr_ray.py'), clip, out, '--address', f'127.0.0.1:{port}',
                 '--vsr', vsr, '--segment-seconds', '1', '--model', 'fast', '--encoder', 'ffv1', env=env)
        seconds = time.monotonic() - start
        stop.set()
        killer.join()
        print(log)
        assert killed, 'no segment task was seen to kill'
        nodes = {line.split(' on ')[1].split(' in ')[0] for line in log.splitlines() if line.startswith('segment ')}
        assert len([line for line in log.splitlines() if line.startswith('segment ')]) == 8, log
        assert len(nodes) == 2, f'both nodes should have run segments: {nodes}'
        a, b = frame_hashes(single), frame_hashes(out)
        assert len(a) == 200 and a == b, f'{len(a)} single-pass frames vs {len(b)} from the cluster'
        assert audio_hashes(single) == audio_hashes(out), 'audio differs'
        assert not os.path.exists(out + '.vsr-work'), 'the work folder is left behind'
        print(f'ok: 8 segments on {len(nodes)} node(s), task {killed[0]} killed and retried, '
              f'{len(a)} frames bit-identical to the single pass, {seconds:.1f} s')
    finally:
        subprocess.run(['ray', 'stop', '--force'], capture_output=True, env=env)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    main()
