//! Where files' bytes live, behind the `object_store` crate: by default a
//! directory under the data directory, so that `cargo run` needs nothing;
//! for several nodes, an S3-compatible bucket they all reach.
//! Originals are named by their SHA-256, previews beside them; a name is
//! written only with the bytes it names, so a write repeated by a retry or
//! by two nodes at once writes the same object.

use std::{ops::Range, path::Path, sync::Arc};

use futures::TryStreamExt;
use uuid::Uuid;

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

    fn trashed(id: &MediaId) -> (Key, Key) {
        (Key::from(format!("trash/{id}")), Key::from(format!("trash/{id}.jpg")))
    }

    /// Whether the original is in the store.
    pub(crate) async fn holds(&self, id: &MediaId) -> anyhow::Result<bool> {
        match self.objects.head(&Self::original(id)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Moves a file and its preview aside, to be purged or restored: a file
    /// whose row was removed may be sent again while it is being removed.
    pub(crate) async fn set_aside(&self, id: &MediaId) -> anyhow::Result<()> {
        let (original, preview) = Self::trashed(id);
        self.move_if_there(&Self::original(id), &original).await?;
        self.move_if_there(&Self::preview(id), &preview).await
    }

    pub(crate) async fn restore(&self, id: &MediaId) -> anyhow::Result<()> {
        let (original, preview) = Self::trashed(id);
        self.move_if_there(&original, &Self::original(id)).await?;
        self.move_if_there(&preview, &Self::preview(id)).await
    }

    pub(crate) async fn purge(&self, id: &MediaId) -> anyhow::Result<()> {
        let (original, preview) = Self::trashed(id);
        for key in [original, preview] {
            match self.objects.delete(&key).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    async fn move_if_there(&self, from: &Key, to: &Key) -> anyhow::Result<()> {
        match self.objects.rename(from, to).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    fn parts_of(upload: Uuid) -> Key {
        Key::from(format!("uploads/{upload}"))
    }

    /// The bytes `start..end` of an upload. A part is named by its range,
    /// so a retried piece never overwrites a different one.
    pub(crate) async fn put_part(&self, upload: Uuid, start: u64, bytes: Bytes) -> anyhow::Result<()> {
        let end = start + bytes.len() as u64;
        let key = Key::from(format!("uploads/{upload}/{start:020}-{end:020}"));
        self.objects.put(&key, PutPayload::from(bytes)).await?;
        Ok(())
    }

    /// An upload's first `offset` bytes, joined from its parts. Parts left
    /// by a request that lost a race or died before it was counted cover
    /// the same bytes as the counted ones (the client sends one file), so
    /// any chain of parts from 0 to `offset` is the file.
    pub(crate) async fn joined_parts(&self, upload: Uuid, offset: u64) -> anyhow::Result<Bytes> {
        let parts: Vec<(u64, u64, Key)> = self
            .objects
            .list(Some(&Self::parts_of(upload)))
            .map_ok(|meta| meta.location)
            .try_collect::<Vec<_>>()
            .await?
            .into_iter()
            .filter_map(|key| {
                let (start, end) = key.filename()?.split_once('-')?;
                Some((start.parse().ok()?, end.parse().ok()?, key.clone()))
            })
            .filter(|(start, end, _)| start < end && *end <= offset)
            .collect();
        let chain = chain(&parts, offset)
            .ok_or_else(|| anyhow::anyhow!("upload {upload}: its parts do not reach byte {offset}"))?;
        let mut joined = bytes::BytesMut::with_capacity(offset as usize);
        for key in chain {
            joined.extend_from_slice(&self.objects.get(key).await?.bytes().await?);
        }
        Ok(joined.freeze())
    }

    /// Removes an upload's parts; parts already gone are no error.
    pub(crate) async fn drop_parts(&self, upload: Uuid) -> anyhow::Result<()> {
        let keys: Vec<Key> =
            self.objects.list(Some(&Self::parts_of(upload))).map_ok(|meta| meta.location).try_collect().await?;
        for key in keys {
            match self.objects.delete(&key).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }
}

/// Parts `(start, end)` that lead from byte 0 to `offset`, in order.
fn chain<K>(parts: &[(u64, u64, K)], offset: u64) -> Option<Vec<&K>> {
    // Breadth-first over positions: a part that reaches a position first
    // is the one kept for it.
    let mut came_by: std::collections::HashMap<u64, usize> = std::collections::HashMap::new();
    let mut frontier = vec![0u64];
    while let Some(at) = frontier.pop() {
        if at == offset {
            break;
        }
        for (i, (start, end, _)) in parts.iter().enumerate() {
            if *start == at && *end != 0 && !came_by.contains_key(end) {
                came_by.insert(*end, i);
                frontier.push(*end);
            }
        }
    }
    let mut keys = Vec::new();
    let mut at = offset;
    while at > 0 {
        let i = *came_by.get(&at)?;
        keys.push(&parts[i].2);
        at = parts[i].0;
    }
    keys.reverse();
    Some(keys)
}

#[cfg(test)]
mod tests {
    use super::chain;

    #[test]
    fn a_chain_of_parts_goes_around_a_piece_that_leads_nowhere() {
        let parts = [(0, 5, "a"), (0, 3, "b"), (3, 8, "c"), (5, 6, "d")];
        assert_eq!(chain(&parts, 8), Some(vec![&"b", &"c"]));
        assert_eq!(chain(&parts, 6), Some(vec![&"a", &"d"]));
        assert_eq!(chain(&parts, 7), None);
        assert_eq!(chain(&parts, 0), Some(vec![]));
    }
}
