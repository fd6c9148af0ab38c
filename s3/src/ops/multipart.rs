//! Multipart uploads. (Being written.)
use super::Ctx;
use crate::error::S3Error;
use crate::router::{CopySource, Endpoint};
use crate::s3_error;
use crate::server::{RequestBody, ResponseBody};
use http::Response;
type R = Result<Response<ResponseBody>, S3Error>;
pub async fn list_multipart_uploads(_ctx: Ctx, _e: Endpoint) -> R { Err(s3_error!(NotImplemented)) }
pub async fn create_multipart_upload(_ctx: Ctx, _bucket: String, _key: String) -> R { Err(s3_error!(NotImplemented)) }
pub async fn upload_part(_ctx: Ctx, _bucket: String, _key: String, _part_number: u32, _upload_id: String, _body: RequestBody) -> R { Err(s3_error!(NotImplemented)) }
pub async fn upload_part_copy(_ctx: Ctx, _bucket: String, _key: String, _part_number: u32, _upload_id: String, _source: CopySource) -> R { Err(s3_error!(NotImplemented)) }
pub async fn complete_multipart_upload(_ctx: Ctx, _bucket: String, _key: String, _upload_id: String, _body: RequestBody) -> R { Err(s3_error!(NotImplemented)) }
pub async fn abort_multipart_upload(_ctx: Ctx, _bucket: String, _key: String, _upload_id: String) -> R { Err(s3_error!(NotImplemented)) }
pub async fn list_parts(_ctx: Ctx, _e: Endpoint) -> R { Err(s3_error!(NotImplemented)) }
