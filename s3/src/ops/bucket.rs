//! Bucket operations. (Being written.)
use super::Ctx;
use crate::error::S3Error;
use crate::s3_error;
use crate::server::{RequestBody, ResponseBody};
use http::Response;
type R = Result<Response<ResponseBody>, S3Error>;
pub async fn list_buckets(_ctx: Ctx) -> R { Err(s3_error!(NotImplemented)) }
pub async fn create_bucket(_ctx: Ctx, _bucket: String, _body: RequestBody) -> R { Err(s3_error!(NotImplemented)) }
pub async fn delete_bucket(_ctx: Ctx, _bucket: String) -> R { Err(s3_error!(NotImplemented)) }
pub async fn head_bucket(_ctx: Ctx, _bucket: String) -> R { Err(s3_error!(NotImplemented)) }
pub async fn get_bucket_location(_ctx: Ctx, _bucket: String) -> R { Err(s3_error!(NotImplemented)) }
pub async fn get_bucket_versioning(_ctx: Ctx, _bucket: String) -> R { Err(s3_error!(NotImplemented)) }
pub async fn put_bucket_versioning(_ctx: Ctx, _bucket: String, _body: RequestBody) -> R { Err(s3_error!(NotImplemented)) }
