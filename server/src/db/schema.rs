//! The tables, in portable types only (uuids and JSON as Text). Kept by hand: see STACK.md.

diesel::table! {
    users (id) {
        id -> Text,
        username -> Text,
        display_name -> Text,
        given_name -> Nullable<Text>,
        family_name -> Nullable<Text>,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        state -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    identity_services (id) {
        id -> Text,
        display_name -> Text,
        enabled -> Bool,
        agent_can_enroll -> Bool,
        removable -> Bool,
        updated_at -> Timestamp,
        updated_by -> Nullable<Text>,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Text,
        occurred_at -> Timestamp,
        actor_type -> Text,
        actor_id -> Nullable<Text>,
        actor_name -> Nullable<Text>,
        action -> Text,
        target_type -> Nullable<Text>,
        target_id -> Nullable<Text>,
        outcome -> Text,
        request_id -> Nullable<Text>,
        detail -> Nullable<Text>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(users, identity_services, audit_events);
