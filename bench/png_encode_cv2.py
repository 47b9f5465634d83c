# The OpenCV side of bench/png_encode.ts: reads a raw RGB file (argv: path,
# width, height), then for each line "go" on stdin encodes it with
# cv2.imencode(".png") (OpenCV's defaults: Sub filter, zlib level 1, Z_RLE)
# and prints {"ms": ..., "bytes": ...}. One process for the whole run, so the
# timings interleave with imfilter's without process start-up in them.
import json
import sys
import time

import cv2
import numpy as np

path, width, height = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rgb = np.fromfile(path, dtype=np.uint8).reshape(height, width, 3)
bgr = np.ascontiguousarray(rgb[:, :, ::-1])
cv2.setNumThreads(1)
for line in sys.stdin:
    if line.strip() == "write":
        cv2.imwrite(path + ".cv2.png", bgr)
        print(json.dumps({"written": path + ".cv2.png"}), flush=True)
        continue
    t = time.perf_counter()
    ok, buf = cv2.imencode(".png", bgr)
    ms = (time.perf_counter() - t) * 1000
    print(json.dumps({"ms": ms, "bytes": int(buf.size)}), flush=True)
