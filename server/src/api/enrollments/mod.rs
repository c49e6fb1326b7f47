//! `/v1/users/{user}/enrollments` and `/v1/enrollments/batch`.

pub mod batch;
pub mod delete;
pub mod list;
