//! Object operations. (Being written.)
use super::Ctx;
use crate::error::S3Error;
use crate::router::{CopySource, Endpoint};
use crate::s3_error;
use crate::server::{RequestBody, ResponseBody};
use http::Response;
type R = Result<Response<ResponseBody>, S3Error>;
pub async fn delete_objects(_ctx: Ctx, _bucket: String, _body: RequestBody) -> R { Err(s3_error!(NotImplemented)) }
pub async fn put_object(_ctx: Ctx, _bucket: String, _key: String, _body: RequestBody) -> R { Err(s3_error!(NotImplemented)) }
pub async fn copy_object(_ctx: Ctx, _bucket: String, _key: String, _source: CopySource) -> R { Err(s3_error!(NotImplemented)) }
pub async fn get_object(_ctx: Ctx, _e: Endpoint) -> R { Err(s3_error!(NotImplemented)) }
pub async fn delete_object(_ctx: Ctx, _bucket: String, _key: String, _version_id: Option<String>) -> R { Err(s3_error!(NotImplemented)) }
