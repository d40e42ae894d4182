//! The servers of chapter 2's exercises, all but the reader's parts: [`accept`] is exercise
//! 2.1's, [`refusal`] exercise 2.2's. Each exercise's `main.rs` calls `run` with its own
//! functions, the pieces that are yours.

#![forbid(unsafe_code)]

pub mod accept;
pub mod refusal;
