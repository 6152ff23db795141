#!/usr/bin/env python3
"""Upscale one long video on a Ray cluster: `vsr plan`, one Ray task per segment, `vsr join`.

  python3 cluster/vsr_ray.py INPUT OUTPUT [vsr upscale options] [--address auto|HOST:PORT|ray://HOST:10001]
                             [--segment-seconds 60] [--vsr PATH] [--cpus-per-task N] [--retries 3]

Storage: OUTPUT's folder must be on a filesystem every node mounts at the same path (NFS, a shared
volume). The plan is written to OUTPUT.vsr-work/manifest.json, each task writes its segment there
(under a temporary name, renamed when complete, so a retried task never leaves half a segment) and
the driver joins. Segments are idempotent: Ray retries a failed or lost task anywhere. Running the
same command again after the driver died resumes: finished segments are verified and kept.
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import time

import ray


def run_vsr(vsr, args):
    p = subprocess.run([vsr] + args, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f'{" ".join([vsr] + args)} failed ({p.returncode}): {p.stderr.strip()[-2000:]}')
    return p.stdout


def upscale_segment(vsr, manifest, index):
    """One segment on whichever node Ray chose; returns (index, node, seconds)."""
    start = time.monotonic()
    run_vsr(vsr, ['upscale', '--segment', str(index), '--manifest', manifest, '--progress', 'none', '--quiet'])
    node = f'{socket.gethostname()}/{ray.get_runtime_context().get_node_id()[:8]}'
    return index, node, time.monotonic() - start


def clock(seconds):
    s = int(round(seconds))
    return f'{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}' if s >= 3600 else f'{s // 60}:{s % 60:02d}'


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('input')
    ap.add_argument('output')
    ap.add_argument('--address', default='auto', help='the Ray cluster (default: the one `ray start` made here)')
    ap.add_argument('--segment-seconds', type=float, default=60)
    ap.add_argument('--vsr', default='vsr', help='vsr on every node (a path or a name on PATH)')
    ap.add_argument('--cpus-per-task', type=int, default=0,
                    help='CPUs each segment reserves (default: the smallest node\'s, one task per node)')
    ap.add_argument('--retries', type=int, default=3, help='retries of a failed or lost segment task')
    args, vsr_options = ap.parse_known_args()
    inp, out = os.path.abspath(args.input), os.path.abspath(args.output)

    plan = json.loads(run_vsr(args.vsr, ['plan', inp, out, '--segment-seconds', str(args.segment_seconds), '--json']
                              + vsr_options))
    manifest, total = plan['manifest'], plan['segments']
    todo = [k for k in range(total) if k not in set(plan['done'])]
    print(f'{manifest}: {total} segments, {plan["frames"]} frames, {total - len(todo)} already done', flush=True)

    ray.init(address=args.address, logging_level='ERROR', log_to_driver=False)
    nodes = [n for n in ray.nodes() if n['Alive']]
    cpus = args.cpus_per_task or int(min(n['Resources'].get('CPU', 1) for n in nodes))
    task = ray.remote(max_retries=args.retries, retry_exceptions=True)(upscale_segment).options(num_cpus=cpus)
    start = time.monotonic()
    pending = [task.remote(args.vsr, manifest, k) for k in todo]
    done = 0
    while pending:
        ready, pending = ray.wait(pending, num_returns=1)
        index, node, seconds = ray.get(ready[0])  # raises when a segment failed every retry
        done += 1
        elapsed = time.monotonic() - start
        eta = elapsed / done * (len(todo) - done)
        print(f'segment {index} done on {node} in {seconds:.1f} s; {done}/{len(todo)}, ETA {clock(eta)}', flush=True)

    joined = time.monotonic()
    run_vsr(args.vsr, ['join', '--manifest', manifest])
    print(f'{out}: {total} segments on {len(nodes)} nodes in {clock(time.monotonic() - start)} '
          f'(join {time.monotonic() - joined:.2f} s)', flush=True)


if __name__ == '__main__':
    sys.exit(main())
