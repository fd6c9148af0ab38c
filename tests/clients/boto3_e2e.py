"""boto3 against a running Alexander server, as tests/clients.rs runs it.

Usage: python boto3_e2e.py ENDPOINT BUCKET WORKDIR
       python boto3_e2e.py mount-read ENDPOINT BUCKET WORKDIR KEY...
       python boto3_e2e.py mount-damaged ENDPOINT BUCKET KEY

WORKDIR holds small.bin and big.bin (written by the Rust test); the
credentials come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY. Every
step prints its name first, so a failure names the step; any failed check
or client error ends the script with a traceback and a non-zero status.
ALEXANDER_TEST_CLIENT_DEBUG=1 logs every request and response botocore
makes, to reproduce a failure against the server.

The client keeps boto3's defaults (CRC checksums on uploads, which boto3
sends as aws-chunked bodies with trailers) except for path-style
addressing and no retries, so that a failing request fails at once.

`mount-read` reads files written through the mount (each KEY, with its
bytes in WORKDIR/KEY) with boto3's default response checksum validation,
which needs awscrt for CRC64NVME; `mount-damaged` reads one whose stored
bytes were damaged, which must fail.
"""

import base64
import hashlib
import logging
import os
import sys
import urllib.error
import urllib.request
import zlib

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError

MIB = 1024 * 1024


def step(name):
    print(f"--- {name}", flush=True)


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(MIB), b""):
            h.update(block)
    return h.hexdigest()


def b64(raw):
    return base64.b64encode(raw).decode()


def crc32_b64(data):
    return b64(zlib.crc32(data).to_bytes(4, "big"))


def error_code(call, **kwargs):
    """Calls a client method that must fail; returns the S3 error code."""
    try:
        call(**kwargs)
    except ClientError as e:
        return e.response["Error"]["Code"]
    raise AssertionError(f"{call.__name__}({kwargs}) succeeded")


def post_form(url, fields, filename, data):
    """POSTs a multipart/form-data form as a browser does, the file last;
    returns (status, body)."""
    boundary = "----boto3e2e" + hashlib.md5(data).hexdigest()
    out = b""
    for name, value in fields.items():
        out += (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                f"{value}\r\n").encode()
    out += (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n').encode()
    out += data + f"\r\n--{boundary}--\r\n".encode()
    req = urllib.request.Request(url, data=out, method="POST", headers={
        "Content-Type": f"multipart/form-data; boundary={boundary}",
    })
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def client(endpoint):
    if os.environ.get("ALEXANDER_TEST_CLIENT_DEBUG"):
        boto3.set_stream_logger("botocore", logging.DEBUG)
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        config=Config(
            s3={"addressing_style": "path"},
            retries={"max_attempts": 1, "mode": "standard"},
            connect_timeout=10,
            read_timeout=120,
        ),
    )


def crc64nvme_b64(data):
    from awscrt import checksums

    return b64(checksums.crc64nvme(data).to_bytes(8, "big"))


def mount_read(endpoint, bucket, work, keys):
    """Files the mount wrote: a `-N` ETag that is no MD5 of the bytes, and
    a full-object CRC64NVME that boto3 checks on every whole download by
    default (botocore counts only checksums it validated in the
    response's context)."""
    from botocore.httpchecksum import _SUPPORTED_CHECKSUM_ALGORITHMS

    check("crc64nvme" in _SUPPORTED_CHECKSUM_ALGORITHMS, "botocore without awscrt")
    s3 = client(endpoint)
    for key in keys:
        step(f"read mount-written {key}")
        with open(os.path.join(work, key), "rb") as f:
            data = f.read()
        r = s3.get_object(Bucket=bucket, Key=key)
        got = r["Body"].read()
        check(got == data, f"{key}: bytes differ")
        etag = r["ETag"].strip('"')
        check("-" in etag and etag.split("-")[0] != hashlib.md5(data).hexdigest(),
              f"{key}: ETag {etag}")
        check(r.get("ChecksumCRC64NVME") == crc64nvme_b64(data),
              f"{key}: CRC64NVME {r.get('ChecksumCRC64NVME')}")
        check(r.get("ChecksumType") == "FULL_OBJECT", f"{key}: {r.get('ChecksumType')}")
        # A range: no full-object checksum, which the range could not match.
        r = s3.get_object(Bucket=bucket, Key=key, Range="bytes=0-9")
        check(r["Body"].read() == data[:10], f"{key}: range bytes")
        check("ChecksumCRC64NVME" not in r, f"{key}: a range carries {r}")
        # Conditions with the new ETag.
        r = s3.head_object(Bucket=bucket, Key=key, IfMatch=f'"{etag}"')
        check(r["ContentLength"] == len(data), f"{key}: If-Match")
        code = error_code(s3.head_object, Bucket=bucket, Key=key,
                          IfMatch='"%s"' % hashlib.md5(data).hexdigest())
        check(code == "412", f"{key}: If-Match with the MD5: {code}")
    print("boto3: mount-written files read and verified", flush=True)


def mount_damaged(endpoint, bucket, key):
    """A mount-written file whose stored bytes were damaged: the download
    fails on its CRC64NVME."""
    from botocore.exceptions import FlexibleChecksumError

    s3 = client(endpoint)
    step(f"read damaged {key}")
    r = s3.get_object(Bucket=bucket, Key=key)
    check(r.get("ChecksumCRC64NVME"), f"{key}: no checksum to check")
    try:
        r["Body"].read()
    except FlexibleChecksumError as e:
        print(f"boto3: the damaged read failed: {e}", flush=True)
        return
    raise AssertionError(f"{key}: damaged bytes were read without an error")


def main():
    if sys.argv[1] == "mount-read":
        return mount_read(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:])
    if sys.argv[1] == "mount-damaged":
        return mount_damaged(*sys.argv[2:5])
    endpoint, bucket, work = sys.argv[1:4]
    s3 = client(endpoint)
    small_path = os.path.join(work, "small.bin")
    big_path = os.path.join(work, "big.bin")
    with open(small_path, "rb") as f:
        small = f.read()
    with open(big_path, "rb") as f:
        big = f.read()
    check(len(big) >= 50 * MIB, "big.bin is the 50 MiB object")

    step("create bucket")
    s3.create_bucket(Bucket=bucket)
    s3.head_bucket(Bucket=bucket)
    names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    check(bucket in names, f"{bucket} in ListBuckets: {names}")

    step("put a small object")
    r = s3.put_object(Bucket=bucket, Key="docs/small.txt", Body=small)
    check(
        r["ETag"] == '"%s"' % hashlib.md5(small).hexdigest(),
        f"ETag of a single PUT is the MD5: {r['ETag']}",
    )
    for key in ("docs/sub/a.txt", "docs/sub/b.txt", "other/x.txt"):
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())

    step("put a 50 MiB object as multipart")
    transfer = TransferConfig(
        multipart_threshold=8 * MIB, multipart_chunksize=8 * MIB, max_concurrency=4
    )
    s3.upload_file(big_path, bucket, "docs/big.bin", Config=transfer)
    head = s3.head_object(Bucket=bucket, Key="docs/big.bin")
    parts = -(-len(big) // (8 * MIB))
    check(
        head["ETag"].strip('"').endswith(f"-{parts}"),
        f"multipart ETag with {parts} parts: {head['ETag']}",
    )
    check(head["ContentLength"] == len(big), f"size {head['ContentLength']}")

    step("object attributes and part reads")
    # boto3's transfer manager sends a CRC32 with every part, so the parts
    # are listed with their checksums, a page at a time.
    r = s3.get_object_attributes(
        Bucket=bucket,
        Key="docs/big.bin",
        ObjectAttributes=["ETag", "Checksum", "ObjectParts", "ObjectSize"],
        MaxParts=2,
    )
    check(r["ETag"] == head["ETag"].strip('"'), f"unquoted ETag {r['ETag']}")
    check(r["ObjectSize"] == len(big), f"ObjectSize {r['ObjectSize']}")
    check(r["Checksum"]["ChecksumType"] == "COMPOSITE", f"checksum {r['Checksum']}")
    op = r["ObjectParts"]
    check(op["TotalPartsCount"] == parts, f"parts count {op}")
    check(op["IsTruncated"] and op["NextPartNumberMarker"] == 2, f"first page {op}")
    sizes = [(p["PartNumber"], p["Size"], "ChecksumCRC32" in p) for p in op["Parts"]]
    check(sizes == [(1, 8 * MIB, True), (2, 8 * MIB, True)], f"parts {sizes}")
    code = error_code(
        s3.get_object_attributes,
        Bucket=bucket,
        Key="docs/big.bin",
        ObjectAttributes=["Size"],
    )
    check(code == "InvalidArgument", f"unknown attribute: {code}")
    r = s3.head_object(Bucket=bucket, Key="docs/big.bin", PartNumber=2)
    check(r["ContentLength"] == 8 * MIB, f"part 2 length {r['ContentLength']}")
    check(r["PartsCount"] == parts, f"PartsCount {r.get('PartsCount')}")
    r = s3.head_object(Bucket=bucket, Key="docs/small.txt", PartNumber=1)
    check(r["ContentLength"] == len(small), "a single-part object is its part 1")
    check("PartsCount" not in r, f"no PartsCount for a single PUT: {r}")
    code = error_code(
        s3.head_object, Bucket=bucket, Key="docs/big.bin", PartNumber=parts + 1
    )
    check(code == "416", f"HEAD past the last part: {code}")

    step("list with prefix and delimiter (v2 and v1)")
    r = s3.list_objects_v2(Bucket=bucket, Prefix="docs/", Delimiter="/")
    keys = [o["Key"] for o in r.get("Contents", [])]
    prefixes = [p["Prefix"] for p in r.get("CommonPrefixes", [])]
    check(keys == ["docs/big.bin", "docs/small.txt"], f"keys {keys}")
    check(prefixes == ["docs/sub/"], f"common prefixes {prefixes}")
    sizes = {o["Key"]: o["Size"] for o in r["Contents"]}
    check(sizes["docs/big.bin"] == len(big), f"listed size {sizes}")
    r = s3.list_objects(Bucket=bucket, Prefix="docs/", Delimiter="/")
    keys = [o["Key"] for o in r.get("Contents", [])]
    prefixes = [p["Prefix"] for p in r.get("CommonPrefixes", [])]
    check(keys == ["docs/big.bin", "docs/small.txt"], f"v1 keys {keys}")
    check(prefixes == ["docs/sub/"], f"v1 common prefixes {prefixes}")
    r = s3.list_objects_v2(Bucket=bucket, Delimiter="/")
    prefixes = [p["Prefix"] for p in r.get("CommonPrefixes", [])]
    check(prefixes == ["docs/", "other/"], f"top-level prefixes {prefixes}")
    # Page by page, two keys at a time, with continuation tokens.
    pages = s3.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix="docs/", PaginationConfig={"PageSize": 2}
    )
    keys = [o["Key"] for page in pages for o in page.get("Contents", [])]
    check(
        keys == ["docs/big.bin", "docs/small.txt", "docs/sub/a.txt", "docs/sub/b.txt"],
        f"paged keys {keys}",
    )

    step("ranged get")
    r = s3.get_object(Bucket=bucket, Key="docs/big.bin", Range="bytes=1000-1999")
    check(r["Body"].read() == big[1000:2000], "bytes 1000-1999")
    check(
        r["ContentRange"] == f"bytes 1000-1999/{len(big)}",
        f"Content-Range {r['ContentRange']}",
    )
    check(r["ResponseMetadata"]["HTTPStatusCode"] == 206, "status 206")
    r = s3.get_object(Bucket=bucket, Key="docs/big.bin", Range="bytes=-4096")
    check(r["Body"].read() == big[-4096:], "suffix range")
    start = 20 * MIB + 17
    r = s3.get_object(Bucket=bucket, Key="docs/big.bin", Range=f"bytes={start}-")
    check(sha256(r["Body"].read()) == sha256(big[start:]), "open range")

    step("download")
    r = s3.get_object(Bucket=bucket, Key="docs/small.txt")
    check(r["Body"].read() == small, "small object bytes")
    out = os.path.join(work, "big.download")
    s3.download_file(bucket, "docs/big.bin", out, Config=transfer)
    check(sha256_file(out) == sha256(big), "SHA-256 of the downloaded big object")

    step("signed headers: Content-Type, metadata, tags (plain and presigned)")
    # The server stores a Content-Type or x-amz-* header only when it is
    # signed; botocore signs what it sends, and a presigned URL signs the
    # headers given as parameters, which the uploader must then send.
    s3.put_object(
        Bucket=bucket, Key="meta/plain.txt", Body=small, ContentType="text/x-plain",
        Metadata={"color": "blue"}, Tagging="a=b",
    )
    head = s3.head_object(Bucket=bucket, Key="meta/plain.txt")
    check(head["ContentType"] == "text/x-plain", f"Content-Type {head['ContentType']}")
    check(head["Metadata"] == {"color": "blue"}, f"metadata {head['Metadata']}")
    # boto3 presigns with SigV2 unless told otherwise; this server speaks
    # only SigV4.
    presigner = boto3.client(
        "s3", endpoint_url=endpoint, region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}, signature_version="s3v4"),
    )
    url = presigner.generate_presigned_url(
        "put_object",
        Params={"Bucket": bucket, "Key": "meta/presigned.txt", "ContentType": "image/png",
                "Metadata": {"color": "red"}, "Tagging": "c=d"},
        ExpiresIn=300,
    )
    req = urllib.request.Request(url, data=small, method="PUT", headers={
        "Content-Type": "image/png", "x-amz-meta-color": "red", "x-amz-tagging": "c=d",
    })
    with urllib.request.urlopen(req, timeout=60) as resp:
        check(resp.status == 200, f"presigned PUT status {resp.status}")
    head = s3.head_object(Bucket=bucket, Key="meta/presigned.txt")
    check(head["ContentType"] == "image/png", f"presigned Content-Type {head['ContentType']}")
    check(head["Metadata"] == {"color": "red"}, f"presigned metadata {head['Metadata']}")
    tags = s3.get_object_tagging(Bucket=bucket, Key="meta/presigned.txt")["TagSet"]
    check(tags == [{"Key": "c", "Value": "d"}], f"presigned tags {tags}")
    # The same URL with a header it did not sign is refused.
    req = urllib.request.Request(url, data=small, method="PUT", headers={
        "Content-Type": "image/png", "x-amz-meta-color": "red", "x-amz-tagging": "c=d",
        "x-amz-copy-source": f"/{bucket}/docs/small.txt",
    })
    try:
        urllib.request.urlopen(req, timeout=60)
        raise AssertionError("a presigned PUT with an unsigned x-amz-copy-source succeeded")
    except urllib.error.HTTPError as e:
        body = e.read().decode()
        check(e.code == 403 and "<HeadersNotSigned>x-amz-copy-source<" in body, body)
    s3.delete_objects(Bucket=bucket, Delete={"Objects": [
        {"Key": "meta/plain.txt"}, {"Key": "meta/presigned.txt"},
    ]})

    step("browser upload: generate_presigned_post, posted as a form")
    post = presigner.generate_presigned_post(
        bucket, "post/${filename}",
        Fields={"Content-Type": "text/plain", "x-amz-meta-color": "green",
                "success_action_status": "201"},
        Conditions=[{"Content-Type": "text/plain"}, {"x-amz-meta-color": "green"},
                    {"success_action_status": "201"}, ["content-length-range", 1, MIB]],
        ExpiresIn=300,
    )
    status, body = post_form(post["url"], post["fields"], "hello.txt", small)
    check(status == 201 and "<Key>post/hello.txt</Key>" in body, f"POST {status}: {body}")
    head = s3.head_object(Bucket=bucket, Key="post/hello.txt")
    check(head["ContentType"] == "text/plain", f"POST Content-Type {head['ContentType']}")
    check(head["Metadata"] == {"color": "green"}, f"POST metadata {head['Metadata']}")
    check(
        s3.get_object(Bucket=bucket, Key="post/hello.txt")["Body"].read() == small,
        "POST object bytes",
    )
    # A field the policy does not allow, and a file over its size range.
    fields = dict(post["fields"], **{"x-amz-meta-color": "red"})
    status, body = post_form(post["url"], fields, "red.txt", small)
    check(status == 403 and "<Code>AccessDenied</Code>" in body, f"POST {status}: {body}")
    tiny = presigner.generate_presigned_post(
        bucket, "post/tiny.txt", Conditions=[["content-length-range", 1, 10]], ExpiresIn=300,
    )
    status, body = post_form(tiny["url"], tiny["fields"], "tiny.txt", b"x" * 100)
    check(status == 400 and "<Code>EntityTooLarge</Code>" in body, f"POST {status}: {body}")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="post/")["Contents"]]
    check(keys == ["post/hello.txt"], f"keys after refused POSTs {keys}")
    s3.delete_object(Bucket=bucket, Key="post/hello.txt")

    step("copy")
    s3.copy_object(
        Bucket=bucket, Key="copy/small.txt", CopySource={"Bucket": bucket, "Key": "docs/small.txt"}
    )
    check(
        s3.get_object(Bucket=bucket, Key="copy/small.txt")["Body"].read() == small,
        "CopyObject bytes",
    )
    # The managed copy of a large object: UploadPartCopy with ranges.
    s3.copy({"Bucket": bucket, "Key": "docs/big.bin"}, bucket, "copy/big.bin", Config=transfer)
    out = os.path.join(work, "copy.download")
    s3.download_file(bucket, "copy/big.bin", out, Config=transfer)
    check(sha256_file(out) == sha256(big), "SHA-256 of the multipart copy")

    step("checksums: single PUT, full-object and composite multipart")
    r = s3.put_object(Bucket=bucket, Key="sums/one", Body=small, ChecksumAlgorithm="SHA256")
    sha = b64(hashlib.sha256(small).digest())
    check(r.get("ChecksumSHA256") == sha, f"PUT checksum {r.get('ChecksumSHA256')}")
    head = s3.head_object(Bucket=bucket, Key="sums/one", ChecksumMode="ENABLED")
    check(head.get("ChecksumSHA256") == sha, f"HEAD checksum {head.get('ChecksumSHA256')}")
    check(head.get("ChecksumType") == "FULL_OBJECT", f"HEAD type {head.get('ChecksumType')}")
    code = error_code(s3.put_object, Bucket=bucket, Key="sums/bad", Body=small,
                      ChecksumCRC32=crc32_b64(b"other"))
    check(code == "BadDigest", f"PUT with a wrong CRC32: {code}")
    code = error_code(s3.head_object, Bucket=bucket, Key="sums/bad")
    check(code == "404", f"nothing stored after BadDigest: {code}")
    pieces = [big[:5 * MIB], small]
    for algorithm, kind in (("CRC32", "FULL_OBJECT"), ("SHA1", "COMPOSITE")):
        key = f"sums/{algorithm}"
        r = s3.create_multipart_upload(Bucket=bucket, Key=key, ChecksumAlgorithm=algorithm,
                                       ChecksumType=kind)
        check((r.get("ChecksumAlgorithm"), r.get("ChecksumType")) == (algorithm, kind),
              f"CreateMultipartUpload {r.get('ChecksumAlgorithm')} {r.get('ChecksumType')}")
        uid = r["UploadId"]
        done = []
        for n, piece in enumerate(pieces, 1):
            r = s3.upload_part(Bucket=bucket, Key=key, UploadId=uid, PartNumber=n,
                               Body=piece, ChecksumAlgorithm=algorithm)
            done.append({"PartNumber": n, "ETag": r["ETag"],
                         f"Checksum{algorithm}": r[f"Checksum{algorithm}"]})
        whole = b"".join(pieces)
        if kind == "FULL_OBJECT":
            expected = crc32_b64(whole)
            extra = {"ChecksumCRC32": expected, "ChecksumType": kind}
        else:
            raw = b"".join(hashlib.sha1(p).digest() for p in pieces)
            expected = f"{b64(hashlib.sha1(raw).digest())}-{len(pieces)}"
            extra = {}
        r = s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=uid,
                                         MultipartUpload={"Parts": done}, **extra)
        check(r.get(f"Checksum{algorithm}") == expected,
              f"{kind} checksum {r.get(f'Checksum{algorithm}')} != {expected}")
        check(r.get("ChecksumType") == kind, f"completion type {r.get('ChecksumType')}")
        # botocore checks the body against a full-object checksum.
        r = s3.get_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
        check(r["Body"].read() == whole, f"{key} bytes")
        check(r.get(f"Checksum{algorithm}") == expected, f"GET checksum of {key}")
    s3.delete_objects(Bucket=bucket, Delete={"Objects": [
        {"Key": "sums/one"}, {"Key": "sums/CRC32"}, {"Key": "sums/SHA1"},
    ]})

    step("object ACLs: canned, policy body, anonymous reads")
    all_users = "http://acs.amazonaws.com/groups/global/AllUsers"

    def anonymous_status(key):
        try:
            with urllib.request.urlopen(f"{endpoint}/{bucket}/{key}", timeout=60) as resp:
                check(resp.read() == small, f"anonymous GET of {key}: bytes")
                return resp.status
        except urllib.error.HTTPError as e:
            return e.code

    s3.put_object(Bucket=bucket, Key="acl/public.txt", Body=small, ACL="public-read")
    s3.put_object(Bucket=bucket, Key="acl/private.txt", Body=small)
    check(anonymous_status("acl/public.txt") == 200, "anonymous GET of a public-read object")
    check(anonymous_status("acl/private.txt") == 403, "anonymous GET of a private object")
    check(anonymous_status("acl/missing.txt") == 403, "anonymous GET of a missing key")
    acl = s3.get_object_acl(Bucket=bucket, Key="acl/public.txt")
    check(
        any(g["Grantee"].get("URI") == all_users and g["Permission"] == "READ"
            for g in acl["Grants"]),
        f"public-read grants {acl['Grants']}",
    )
    s3.put_object_acl(Bucket=bucket, Key="acl/public.txt", ACL="private")
    check(anonymous_status("acl/public.txt") == 403, "anonymous GET once private again")
    s3.put_object_acl(Bucket=bucket, Key="acl/private.txt", AccessControlPolicy={
        "Owner": acl["Owner"],
        "Grants": [{"Grantee": {"Type": "Group", "URI": all_users}, "Permission": "READ"}],
    })
    check(anonymous_status("acl/private.txt") == 200, "anonymous GET after a policy body")
    code = error_code(s3.put_object_acl, Bucket=bucket, Key="acl/private.txt",
                      GrantRead='emailAddress="someone@example.com"')
    check(code == "NotImplemented", f"a grant to an e-mail address: {code}")

    step("a public-read bucket lists to anonymous callers, objects read by their own ACL")
    from botocore import UNSIGNED
    anonymous = boto3.client(
        "s3", endpoint_url=endpoint, region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}, signature_version=UNSIGNED,
                      retries={"max_attempts": 1, "mode": "standard"}),
    )
    listed_bucket = f"{bucket}-pub"
    s3.create_bucket(Bucket=listed_bucket, ACL="public-read")
    s3.put_object(Bucket=listed_bucket, Key="private.txt", Body=small)
    s3.put_object(Bucket=listed_bucket, Key="public.txt", Body=small, ACL="public-read")
    keys = [o["Key"] for o in anonymous.list_objects_v2(Bucket=listed_bucket)["Contents"]]
    check(keys == ["private.txt", "public.txt"], f"anonymous listing {keys}")
    code = error_code(anonymous.get_object, Bucket=listed_bucket, Key="private.txt")
    check(code == "AccessDenied", f"anonymous GET of a private object: {code}")
    body = anonymous.get_object(Bucket=listed_bucket, Key="public.txt")["Body"].read()
    check(body == small, "anonymous GET of a public-read object")
    code = error_code(anonymous.get_object, Bucket=listed_bucket, Key="missing.txt")
    check(code == "NoSuchKey", f"anonymous GET of a missing key, listing allowed: {code}")
    for key in keys:
        s3.delete_object(Bucket=listed_bucket, Key=key)
    s3.delete_bucket(Bucket=listed_bucket)

    step("conditional writes, a repeated completion, url-encoded listing")
    key = "cond/a b.txt"
    s3.put_object(Bucket=bucket, Key=key, Body=b"1", IfNoneMatch="*")
    code = error_code(s3.put_object, Bucket=bucket, Key=key, Body=b"2", IfNoneMatch="*")
    check(code == "PreconditionFailed", f"If-None-Match: * over an object: {code}")
    etag = s3.head_object(Bucket=bucket, Key=key)["ETag"]
    code = error_code(s3.put_object, Bucket=bucket, Key=key, Body=b"2", IfNoneMatch=etag)
    check(code == "NotImplemented", f"If-None-Match with an ETag: {code}")
    code = error_code(s3.put_object, Bucket=bucket, Key="cond/none", Body=b"2", IfMatch="*")
    check(code == "NoSuchKey", f"If-Match on no object: {code}")
    s3.put_object(Bucket=bucket, Key=key, Body=b"2", IfMatch=etag)
    # A key written while an upload ran: 409, and the upload is gone.
    mp = "cond/mp"
    up = s3.create_multipart_upload(Bucket=bucket, Key=mp)["UploadId"]
    part = s3.upload_part(Bucket=bucket, Key=mp, UploadId=up, PartNumber=1, Body=small)
    parts = {"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]}
    now = s3.put_object(Bucket=bucket, Key=mp, Body=b"meanwhile")["ETag"]
    code = error_code(s3.complete_multipart_upload, Bucket=bucket, Key=mp, UploadId=up,
                      MultipartUpload=parts, IfNoneMatch="*")
    check(code == "ConditionalRequestConflict", f"complete after a write: {code}")
    code = error_code(s3.list_parts, Bucket=bucket, Key=mp, UploadId=up)
    check(code == "NoSuchUpload", f"the conflicting upload is dropped: {code}")
    up = s3.create_multipart_upload(Bucket=bucket, Key=mp)["UploadId"]
    part = s3.upload_part(Bucket=bucket, Key=mp, UploadId=up, PartNumber=1, Body=small)
    parts = {"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]}
    first = s3.complete_multipart_upload(Bucket=bucket, Key=mp, UploadId=up,
                                         MultipartUpload=parts, IfMatch=now)
    again = s3.complete_multipart_upload(Bucket=bucket, Key=mp, UploadId=up,
                                         MultipartUpload=parts)
    check(again["ETag"] == first["ETag"], f"repeated completion {again} after {first}")
    # Asked for explicitly, botocore leaves the encoding to the caller.
    r = s3.list_objects_v2(Bucket=bucket, Prefix="cond/a ", EncodingType="url")
    keys = [o["Key"] for o in r.get("Contents", [])]
    check(keys == ["cond/a%20b.txt"] and r["Prefix"] == "cond/a%20", f"encoded {r}")
    s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": key}, {"Key": mp}]})

    step("versions")
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    status = s3.get_bucket_versioning(Bucket=bucket).get("Status")
    check(status == "Enabled", f"versioning status {status}")
    v1, v2 = b"first version\n", b"second version, longer\n"
    id1 = s3.put_object(Bucket=bucket, Key="docs/notes.txt", Body=v1)["VersionId"]
    id2 = s3.put_object(Bucket=bucket, Key="docs/notes.txt", Body=v2)["VersionId"]
    check(id1 and id2 and id1 != id2, f"version ids {id1} {id2}")
    r = s3.list_object_versions(Bucket=bucket, Prefix="docs/notes.txt")
    versions = [(v["VersionId"], v["IsLatest"], v["Size"]) for v in r.get("Versions", [])]
    check(
        versions == [(id2, True, len(v2)), (id1, False, len(v1))],
        f"versions of docs/notes.txt {versions}",
    )
    r = s3.get_object(Bucket=bucket, Key="docs/notes.txt", VersionId=id1)
    check(r["Body"].read() == v1 and r["VersionId"] == id1, "old version bytes")
    check(s3.get_object(Bucket=bucket, Key="docs/notes.txt")["Body"].read() == v2, "latest")
    s3.copy_object(
        Bucket=bucket,
        Key="copy/notes-v1.txt",
        CopySource={"Bucket": bucket, "Key": "docs/notes.txt", "VersionId": id1},
    )
    check(
        s3.get_object(Bucket=bucket, Key="copy/notes-v1.txt")["Body"].read() == v1,
        "copy of an old version",
    )

    step("delete")
    r = s3.delete_object(Bucket=bucket, Key="docs/notes.txt")
    check(r.get("DeleteMarker") is True, f"delete marker {r}")
    code = error_code(s3.get_object, Bucket=bucket, Key="docs/notes.txt")
    check(code == "NoSuchKey", f"GET after delete: {code}")
    r = s3.get_object(Bucket=bucket, Key="docs/notes.txt", VersionId=id2)
    check(r["Body"].read() == v2, "a version survives a delete marker")
    r = s3.delete_objects(
        Bucket=bucket,
        Delete={"Objects": [{"Key": "docs/small.txt"}, {"Key": "other/x.txt"}]},
    )
    deleted = sorted(d["Key"] for d in r.get("Deleted", []))
    check(deleted == ["docs/small.txt", "other/x.txt"], f"DeleteObjects {r}")
    check(not r.get("Errors"), f"DeleteObjects errors {r.get('Errors')}")
    r = s3.list_objects_v2(Bucket=bucket, Prefix="docs/", Delimiter="/")
    keys = [o["Key"] for o in r.get("Contents", [])]
    check(keys == ["docs/big.bin"], f"keys after delete {keys}")
    # Remove every version and delete marker; then the bucket can go.
    r = s3.list_object_versions(Bucket=bucket)
    check(not r.get("IsTruncated"), "one page of versions")
    every = [
        {"Key": v["Key"], "VersionId": v["VersionId"]}
        for v in r.get("Versions", []) + r.get("DeleteMarkers", [])
    ]
    check(len(every) >= 10, f"versions and markers to delete: {len(every)}")
    code = error_code(s3.delete_bucket, Bucket=bucket)
    check(code == "BucketNotEmpty", f"DeleteBucket of a full bucket: {code}")
    r = s3.delete_objects(Bucket=bucket, Delete={"Objects": every, "Quiet": True})
    check(not r.get("Errors"), f"DeleteObjects errors {r.get('Errors')}")
    r = s3.list_object_versions(Bucket=bucket)
    check(not r.get("Versions") and not r.get("DeleteMarkers"), f"left over {r}")
    s3.delete_bucket(Bucket=bucket)
    code = error_code(s3.head_bucket, Bucket=bucket)
    check(code == "404", f"HeadBucket after DeleteBucket: {code}")

    print("boto3: every step passed", flush=True)


if __name__ == "__main__":
    main()
