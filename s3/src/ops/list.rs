//! Listings. (Being written.)
use super::Ctx;
use crate::error::S3Error;
use crate::router::Endpoint;
use crate::s3_error;
use crate::server::ResponseBody;
use http::Response;
type R = Result<Response<ResponseBody>, S3Error>;
pub async fn list_objects(_ctx: Ctx, _e: Endpoint) -> R { Err(s3_error!(NotImplemented)) }
pub async fn list_object_versions(_ctx: Ctx, _e: Endpoint) -> R { Err(s3_error!(NotImplemented)) }
