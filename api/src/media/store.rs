//! Where files' bytes live, behind the `object_store` crate: by default a
//! directory under the data directory, so that `cargo run` needs nothing;
//! for several nodes, an S3-compatible bucket they all reach.
//! Originals are named by their SHA-256, previews beside them; a name is
//! written only with the bytes it names, so a write repeated by a retry or
//! by two nodes at once writes the same object.

use std::{ops::Range, path::Path, sync::Arc};

use bytes::Bytes;
use futures::stream::BoxStream;
use gridline_domain::media::MediaId;
use object_store::{
    aws::AmazonS3Builder, local::LocalFileSystem, path::Path as Key, prefix::PrefixStore, GetOptions, GetRange,
    ObjectStore, ObjectStoreExt, PutPayload,
};

use crate::config::{MediaLocation, S3Bucket};

#[derive(Debug, Clone)]
pub(crate) struct MediaStore {
    objects: Arc<dyn ObjectStore>,
}

/// Part of a stored file, streamed.
pub(crate) struct Read {
    /// The file's whole length.
    pub size: u64,
    /// The bytes sent: the requested range, or all.
    pub range: Range<u64>,
    pub body: BoxStream<'static, Result<Bytes, object_store::Error>>,
}

impl MediaStore {
    /// The store `GRIDLINE_MEDIA_URL` names.
    pub(crate) fn open(location: &MediaLocation) -> anyhow::Result<Self> {
        match location {
            MediaLocation::Directory(dir) => Self::in_directory(dir),
            MediaLocation::S3(bucket) => Self::in_bucket(bucket),
        }
    }

    /// A store in `dir`, created when missing.
    pub(crate) fn in_directory(dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir)?;
        Ok(Self { objects: Arc::new(LocalFileSystem::new_with_prefix(dir)?) })
    }

    /// A store in an S3-compatible bucket, under its prefix.
    fn in_bucket(b: &S3Bucket) -> anyhow::Result<Self> {
        let mut builder =
            AmazonS3Builder::new().with_bucket_name(&b.bucket).with_region(&b.region).with_allow_http(b.allow_http);
        if let Some(endpoint) = &b.endpoint {
            builder = builder.with_endpoint(endpoint);
        }
        if let (Some(id), Some(secret)) = (&b.access_key_id, &b.secret_access_key) {
            builder = builder.with_access_key_id(id).with_secret_access_key(secret.expose());
        }
        let bucket = builder.build()?;
        let objects: Arc<dyn ObjectStore> =
            if b.prefix.is_empty() { Arc::new(bucket) } else { Arc::new(PrefixStore::new(bucket, b.prefix.as_str())) };
        Ok(Self { objects })
    }

    fn original(id: &MediaId) -> Key {
        Key::from(format!("originals/{}/{id}", &id.as_str()[..2]))
    }

    fn preview(id: &MediaId) -> Key {
        Key::from(format!("thumbnails/{}/{id}.jpg", &id.as_str()[..2]))
    }

    /// Stores a file and its preview. The preview first: a file whose row
    /// says it has one must find it.
    pub(crate) async fn put(&self, id: &MediaId, bytes: Bytes, preview: Option<Vec<u8>>) -> anyhow::Result<()> {
        if let Some(preview) = preview {
            self.objects.put(&Self::preview(id), PutPayload::from(preview)).await?;
        }
        self.objects.put(&Self::original(id), PutPayload::from(bytes)).await?;
        Ok(())
    }

    /// A file, or the part of it in `range` (clamped to its length by the caller).
    pub(crate) async fn read(&self, id: &MediaId, range: Option<Range<u64>>) -> anyhow::Result<Read> {
        self.read_key(&Self::original(id), range).await
    }

    pub(crate) async fn read_preview(&self, id: &MediaId) -> anyhow::Result<Read> {
        self.read_key(&Self::preview(id), None).await
    }

    async fn read_key(&self, key: &Key, range: Option<Range<u64>>) -> anyhow::Result<Read> {
        let options = GetOptions { range: range.map(GetRange::Bounded), ..GetOptions::default() };
        let got = self.objects.get_opts(key, options).await?;
        Ok(Read { size: got.meta.size, range: got.range.clone(), body: got.into_stream() })
    }
}
