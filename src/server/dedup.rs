//! The delivery ids seen recently, for de-duplication: GitHub keeps `X-GitHub-Delivery` on a
//! redelivery, so an id seen before is a delivery already accepted. Memory is bounded: the oldest
//! ids are forgotten first.

use std::collections::{HashSet, VecDeque};

use super::delivery::DeliveryId;

/// A bounded set of delivery ids, forgetting the oldest when full.
#[derive(Debug)]
pub struct SeenDeliveries {
    capacity: usize,
    order: VecDeque<DeliveryId>,
    ids: HashSet<DeliveryId>,
}

impl SeenDeliveries {
    /// Remembers at most `capacity` ids (at least one).
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Self {
            capacity,
            order: VecDeque::new(),
            ids: HashSet::new(),
        }
    }

    /// Records `id`; `false` when it was already there.
    pub fn insert(&mut self, id: &DeliveryId) -> bool {
        if self.ids.contains(id) {
            return false;
        }
        if self.order.len() >= self.capacity
            && let Some(oldest) = self.order.pop_front()
        {
            self.ids.remove(&oldest);
        }
        self.order.push_back(id.clone());
        self.ids.insert(id.clone());
        true
    }

    /// Whether `id` is remembered.
    pub fn contains(&self, id: &DeliveryId) -> bool {
        self.ids.contains(id)
    }

    /// Forgets `id`, so that a redelivery of it is accepted again (after its handling failed).
    pub fn forget(&mut self, id: &DeliveryId) {
        if self.ids.remove(id) {
            self.order.retain(|kept| kept != id);
        }
    }

    /// How many ids are remembered.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether no id is remembered.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u32) -> DeliveryId {
        DeliveryId::internal(format!("d-{n}"))
    }

    #[test]
    fn a_repeated_id_is_refused_and_the_oldest_is_forgotten_first() {
        let mut seen = SeenDeliveries::new(2);
        assert!(seen.insert(&id(1)));
        assert!(!seen.insert(&id(1)));
        assert!(seen.insert(&id(2)));
        assert!(seen.insert(&id(3)));
        assert_eq!(seen.len(), 2);
        assert!(seen.insert(&id(1)), "the oldest id was forgotten");
        assert!(!seen.insert(&id(3)));
    }

    #[test]
    fn a_forgotten_id_is_accepted_again() {
        let mut seen = SeenDeliveries::new(10);
        assert!(seen.insert(&id(1)));
        seen.forget(&id(1));
        assert!(seen.is_empty());
        assert!(seen.insert(&id(1)));
    }
}
