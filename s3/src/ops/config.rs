//! Bucket and object configuration. (Being written.)
use super::Ctx;
use crate::error::S3Error;
use crate::s3_error;
use crate::server::{RequestBody, ResponseBody};
use crate::xml::Tag;
use http::Response;
type R = Result<Response<ResponseBody>, S3Error>;
pub const TAGGING: &str = "tagging";
pub const LIFECYCLE: &str = "lifecycle";
pub const CORS: &str = "cors";
pub fn encode_tags(_tags: &[Tag]) -> String { String::new() }
pub fn decode_tags(_text: &str) -> Vec<Tag> { Vec::new() }
pub async fn get_bucket_tagging(_ctx: Ctx, _bucket: String) -> R { Err(s3_error!(NotImplemented)) }
pub async fn put_bucket_tagging(_ctx: Ctx, _bucket: String, _body: RequestBody) -> R { Err(s3_error!(NotImplemented)) }
pub async fn delete_bucket_setting(_ctx: Ctx, _bucket: String, _name: &'static str) -> R { Err(s3_error!(NotImplemented)) }
pub async fn get_bucket_acl(_ctx: Ctx, _bucket: String) -> R { Err(s3_error!(NotImplemented)) }
pub async fn put_bucket_acl(_ctx: Ctx, _bucket: String, _body: RequestBody) -> R { Err(s3_error!(NotImplemented)) }
pub async fn get_bucket_lifecycle(_ctx: Ctx, _bucket: String) -> R { Err(s3_error!(NotImplemented)) }
pub async fn put_bucket_lifecycle(_ctx: Ctx, _bucket: String, _body: RequestBody) -> R { Err(s3_error!(NotImplemented)) }
pub async fn get_bucket_cors(_ctx: Ctx, _bucket: String) -> R { Err(s3_error!(NotImplemented)) }
pub async fn put_bucket_cors(_ctx: Ctx, _bucket: String, _body: RequestBody) -> R { Err(s3_error!(NotImplemented)) }
pub async fn get_object_tagging(_ctx: Ctx, _bucket: String, _key: String, _version_id: Option<String>) -> R { Err(s3_error!(NotImplemented)) }
pub async fn put_object_tagging(_ctx: Ctx, _bucket: String, _key: String, _version_id: Option<String>, _body: RequestBody) -> R { Err(s3_error!(NotImplemented)) }
pub async fn delete_object_tagging(_ctx: Ctx, _bucket: String, _key: String, _version_id: Option<String>) -> R { Err(s3_error!(NotImplemented)) }
pub async fn get_object_acl(_ctx: Ctx, _bucket: String, _key: String, _version_id: Option<String>) -> R { Err(s3_error!(NotImplemented)) }
pub async fn options(_ctx: Ctx, _bucket: Option<String>) -> R { Err(s3_error!(NotImplemented)) }
