//! How the stored states (`crate::states`) are read and written: as their words, in `Text` columns,
//! on either backend (and on the `MultiBackend` over both).

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;

use crate::states::{
    EntryStatus, FlowAuthorization, NotificationStatus, PetitionStatus, SessionStatus, SourceKind,
    SourceMode, TaskStatus, UserState,
};

macro_rules! text_column {
    ($($state:ty),+) => {$(
        impl<DB: Backend> ToSql<Text, DB> for $state
        where
            str: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                self.as_str().to_sql(out)
            }
        }

        impl<DB: Backend> FromSql<Text, DB> for $state
        where
            String: FromSql<Text, DB>,
        {
            fn from_sql(value: DB::RawValue<'_>) -> deserialize::Result<Self> {
                Ok(String::from_sql(value)?.parse()?)
            }
        }
    )+};
}

text_column!(
    UserState,
    SessionStatus,
    EntryStatus,
    TaskStatus,
    NotificationStatus,
    SourceKind,
    FlowAuthorization,
    SourceMode,
    PetitionStatus
);
