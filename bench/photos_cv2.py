"""OpenCV's side of `deno task bench:photos` (bench/photos.ts): one pipeline
over the given files, timed in-process, printed as one JSON line.

    python3 bench/photos_cv2.py <decode|gaussian|median> <jpg|png> <out-dir> <file>...

The Gaussian uses the window imfilter computes for sigma 2 (radius
floor(4 sigma + 0.5) = 8, ksize 17); PNG is written with OpenCV's default
compression (level 1), JPEG with IMWRITE_JPEG_QUALITY 90 (4:2:0).
"""

import json
import os
import sys
import time

import cv2

pipeline, fmt, out_dir, *files = sys.argv[1:]
per_image = []
for f in files:
    t0 = time.perf_counter()
    img = cv2.imread(f, cv2.IMREAD_UNCHANGED)
    if pipeline != "decode":
        if pipeline == "gaussian":
            img = cv2.GaussianBlur(img, (17, 17), 2)
        else:
            img = cv2.medianBlur(img, 5)
        params = [cv2.IMWRITE_JPEG_QUALITY, 90] if fmt == "jpg" else []
        cv2.imwrite(os.path.join(out_dir, os.path.basename(f)), img, params)
    per_image.append((time.perf_counter() - t0) * 1000)
print(json.dumps({
    "tool": "opencv",
    "version": cv2.__version__,
    "threads": cv2.getNumThreads(),
    "per_image_ms": per_image,
}))
