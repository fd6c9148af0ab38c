"""boto3 through a burst that trips Alexander's rate limit.

Usage: python boto3_slowdown.py ENDPOINT BUCKET

Run by s3/tests/slow.rs against a server that allows few requests per
second. Puts and gets 40 small objects from two threads as fast as boto3
goes; the server answers some with 503 SlowDown, botocore backs off and
retries, and every request must still succeed with the right bytes. Prints
`retries N`: the sum of ResponseMetadata.RetryAttempts, which the test
checks is above zero (the limit did trip). Credentials come from
AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.
"""

import sys
import threading

import boto3
from botocore.config import Config


def main():
    endpoint, bucket = sys.argv[1], sys.argv[2]
    s3 = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        config=Config(
            s3={"addressing_style": "path"},
            # botocore's standard mode: exponential backoff with jitter on
            # throttling errors such as SlowDown; more attempts than its
            # default three, as a batch job would configure.
            retries={"mode": "standard", "max_attempts": 10},
        ),
    )
    retries = [0]
    lock = threading.Lock()
    failures = []

    def count(resp):
        with lock:
            retries[0] += resp["ResponseMetadata"].get("RetryAttempts", 0)

    def work(t):
        try:
            for i in range(10):
                key = f"t{t}/k{i}"
                data = f"{t}-{i}".encode()
                count(s3.put_object(Bucket=bucket, Key=key, Body=data))
                got = s3.get_object(Bucket=bucket, Key=key)
                count(got)
                body = got["Body"].read()
                if body != data:
                    raise AssertionError(f"{key}: {body!r} != {data!r}")
        except Exception as e:  # reported below, with the thread's name
            failures.append(f"thread {t}: {e!r}")

    threads = [threading.Thread(target=work, args=(t,)) for t in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    if failures:
        print("\n".join(failures))
        sys.exit(1)
    print(f"retries {retries[0]}")


if __name__ == "__main__":
    main()
