//! The `MessageId`s already handled, so that SNS's retries (and replays within the age limit)
//! trigger nothing twice; capped so that memory stays bounded.

use std::collections::{HashSet, VecDeque};

/// A capped set of message ids: when full, the oldest id is forgotten.
#[derive(Debug)]
pub struct SeenMessages {
    capacity: usize,
    order: VecDeque<String>,
    ids: HashSet<String>,
}

impl SeenMessages {
    /// An empty set remembering at most `capacity` ids (at least one).
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            order: VecDeque::new(),
            ids: HashSet::new(),
        }
    }

    /// Records `id`; false when it was already recorded.
    pub fn insert(&mut self, id: &str) -> bool {
        if self.ids.contains(id) {
            return false;
        }
        while self.order.len() >= self.capacity {
            if let Some(oldest) = self.order.pop_front() {
                self.ids.remove(&oldest);
            }
        }
        self.order.push_back(id.to_owned());
        self.ids.insert(id.to_owned());
        true
    }

    /// Forgets `id`, so that a retry of a message that could not be handled is handled again.
    pub fn forget(&mut self, id: &str) {
        if self.ids.remove(id) {
            self.order.retain(|seen| seen != id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_sighting_is_a_duplicate() {
        let mut seen = SeenMessages::new(4);
        assert!(seen.insert("a"));
        assert!(!seen.insert("a"));
        seen.forget("a");
        assert!(seen.insert("a"));
    }

    #[test]
    fn memory_is_bounded_and_the_oldest_go_first() {
        let mut seen = SeenMessages::new(3);
        for id in ["a", "b", "c", "d"] {
            assert!(seen.insert(id));
        }
        assert_eq!(seen.order.len(), 3);
        assert_eq!(seen.ids.len(), 3);
        assert!(seen.insert("a"), "the oldest id was forgotten");
        assert!(!seen.insert("d"), "a recent id is remembered");
    }
}
