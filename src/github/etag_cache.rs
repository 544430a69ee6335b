//! Conditional requests: the last answer to each GET with its `ETag`, so that asking again sends
//! `If-None-Match` and a `304 Not Modified` (which GitHub does not count against the rate limit)
//! is answered from memory. Bounded in bytes; when full it starts over.

use std::collections::HashMap;

/// Answers by path and query, with their `ETag`s.
#[derive(Debug)]
pub(crate) struct EtagCache {
    entries: HashMap<String, (String, String)>,
    bytes: usize,
    limit: usize,
}

impl EtagCache {
    /// A cache holding at most `limit` bytes of answers.
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            entries: HashMap::new(),
            bytes: 0,
            limit,
        }
    }

    /// The `ETag` of the answer kept for `path`.
    pub(crate) fn etag(&self, path: &str) -> Option<String> {
        self.entries.get(path).map(|(etag, _)| etag.clone())
    }

    /// The answer kept for `path`.
    pub(crate) fn body(&self, path: &str) -> Option<String> {
        self.entries.get(path).map(|(_, body)| body.clone())
    }

    /// Keeps `body` as the answer for `path`. An answer larger than a quarter of the limit is not
    /// kept; when the cache would overflow, it is emptied first.
    pub(crate) fn store(&mut self, path: &str, etag: &str, body: &str) {
        let size = path.len() + etag.len() + body.len();
        if size > self.limit / 4 {
            return;
        }
        if let Some((old_etag, old_body)) = self.entries.remove(path) {
            self.bytes -= path.len() + old_etag.len() + old_body.len();
        }
        if self.bytes + size > self.limit {
            self.entries.clear();
            self.bytes = 0;
        }
        self.bytes += size;
        self.entries
            .insert(path.to_owned(), (etag.to_owned(), body.to_owned()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_is_kept_with_its_etag_and_replaced_by_a_newer_one() {
        let mut cache = EtagCache::new(1000);
        cache.store("/a", "\"1\"", "one");
        cache.store("/a", "\"2\"", "two");
        assert_eq!(cache.etag("/a").as_deref(), Some("\"2\""));
        assert_eq!(cache.body("/a").as_deref(), Some("two"));
        assert_eq!(cache.bytes, "/a".len() + "\"2\"".len() + "two".len());
        assert_eq!(cache.etag("/b"), None);
    }

    #[test]
    fn the_cache_stays_within_its_limit() {
        let mut cache = EtagCache::new(400);
        for i in 0..100 {
            cache.store(&format!("/{i}"), "e", &"x".repeat(50));
            assert!(cache.bytes <= 400);
        }
        assert!(cache.body("/99").is_some());
        cache.store("/big", "e", &"x".repeat(200));
        assert_eq!(cache.body("/big"), None, "too large to keep");
    }
}
