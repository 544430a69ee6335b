//! The pure core of the rollout: given the facts, which actions. No I/O lives here, so every
//! decision is tested exhaustively without GitHub or AWS.

pub mod atlantis;
pub mod branch;
pub mod checklist;
pub mod comment_safety;
pub mod decide;
pub mod facts;
pub mod gate;
pub mod marker;
pub mod plan;
pub mod pull_request;
