"""The one reader and writer of safetensors files on the Python side (model files, docs/MODEL_FORMAT.md).

Layout: 8-byte little-endian header length, a JSON header mapping tensor names to {dtype, shape,
data_offsets} plus `__metadata__`, then the raw little-endian tensors (data section 8-byte aligned).
"""
import json
import os
import struct

import numpy as np


def read_header(path):
    """(header dict, data section bytes)."""
    raw = open(path, 'rb').read()
    n = struct.unpack('<Q', raw[:8])[0]
    return json.loads(raw[8:8 + n]), raw[8 + n:]


def vsr_metadata(header):
    """The architecture and measurements vsr keeps as a JSON string in `__metadata__.vsr`."""
    return json.loads(header['__metadata__']['vsr'])


DTYPES = {'F32': '<f4', 'I8': 'i1'}


def read_tensors(path):
    """(name -> array (float32, or int8 for the int8 weights), vsr metadata dict)."""
    header, body = read_header(path)
    tensors = {k: np.frombuffer(body[v['data_offsets'][0]:v['data_offsets'][1]], dtype=DTYPES[v['dtype']]).reshape(v['shape']).copy()
               for k, v in header.items() if k != '__metadata__'}
    return tensors, vsr_metadata(header)


def _encode_header(header):
    raw = json.dumps(header, separators=(',', ':')).encode()
    return raw + b' ' * (-len(raw) % 8)  # align the data section to 8 bytes, as safetensors does


def write_header(path, header, body):
    """Rewrites a file's header (metadata) keeping its data; atomic (temporary name, rename)."""
    raw = _encode_header(header)
    tmp = path + '.tmp'
    with open(tmp, 'wb') as f:
        f.write(struct.pack('<Q', len(raw)) + raw + body)
    os.replace(tmp, path)


def write_safetensors(path, tensors: dict, metadata: dict):
    header, blobs, offset = {}, [], 0
    for name, array in tensors.items():
        dtype = 'I8' if np.asarray(array).dtype == np.int8 else 'F32'
        a = np.ascontiguousarray(array, dtype=DTYPES[dtype])
        header[name] = {'dtype': dtype, 'shape': list(a.shape),
                        'data_offsets': [offset, offset + a.nbytes]}
        blobs.append(a.tobytes())
        offset += a.nbytes
    header['__metadata__'] = {k: v if isinstance(v, str) else json.dumps(v)
                              for k, v in metadata.items()}
    write_header(path, header, b''.join(blobs))


