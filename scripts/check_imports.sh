#!/usr/bin/env bash
# FFmpeg's C API stays behind VSRMedia: no other module may import CFFmpeg, and VSRMedia imports
# it `internal`ly, so the compiler refuses a public declaration that would hand a C type out.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
leaks=$(grep -rlE '^\s*(@testable\s+)?(public\s+|package\s+|internal\s+)?import\s+CFFmpeg\b' Sources Tests --include='*.swift' \
        | grep -v '^Sources/VSRMedia/' || true)
if [ -n "$leaks" ]; then
  echo "CFFmpeg imported outside VSRMedia:"; echo "$leaks"; status=1
fi
open=$(grep -lE '^\s*(@_exported\s+|public\s+)?import\s+CFFmpeg\b' Sources/VSRMedia/*.swift | \
       xargs -r grep -LE '^\s*internal\s+import\s+CFFmpeg\b' || true)
if [ -n "$open" ]; then
  echo "VSRMedia files importing CFFmpeg without 'internal':"; echo "$open"; status=1
fi
[ $status = 0 ] && echo "import check: CFFmpeg only in VSRMedia, internally"
exit $status
