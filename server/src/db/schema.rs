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
        username_skeleton -> Nullable<Text>,
        search_text -> Nullable<Text>,
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

diesel::table! {
    settings (key) {
        key -> Text,
        value -> Text,
        updated_at -> Timestamp,
        updated_by -> Nullable<Text>,
    }
}

diesel::table! {
    enrollments (id) {
        id -> Text,
        user_id -> Text,
        service_id -> Text,
        address -> Text,
        method -> Text,
        detail -> Nullable<Text>,
        enrolled_at -> Timestamp,
        enrolled_by -> Text,
        enrolled_by_name -> Nullable<Text>,
        removed_at -> Nullable<Timestamp>,
        removed_by -> Nullable<Text>,
    }
}

diesel::table! {
    code_challenges (id) {
        id -> Text,
        purpose -> Text,
        user_id -> Text,
        operator_id -> Text,
        service_id -> Nullable<Text>,
        channel -> Text,
        address -> Text,
        code_hash -> Text,
        expires_at -> Timestamp,
        failed_attempts -> Integer,
        max_attempts -> Integer,
        send_count -> Integer,
        last_sent_at -> Timestamp,
        consumed_at -> Nullable<Timestamp>,
        verified_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    rate_limits (key, window_start) {
        key -> Text,
        window_start -> BigInt,
        count -> Integer,
    }
}

diesel::table! {
    notifications (id) {
        id -> Text,
        user_id -> Nullable<Text>,
        channel -> Text,
        recipient -> Text,
        template -> Text,
        sealed_content -> Nullable<Text>,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        not_after -> Nullable<Timestamp>,
        lease_owner -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    notification_templates (service_id, channel, event) {
        service_id -> Text,
        channel -> Text,
        event -> Text,
        subject -> Nullable<Text>,
        body_text -> Text,
        body_html -> Nullable<Text>,
        updated_at -> Timestamp,
        updated_by -> Nullable<Text>,
    }
}

diesel::table! {
    registration_sessions (id) {
        id -> Text,
        user_id -> Text,
        status -> Text,
        created_at -> Timestamp,
        created_by -> Text,
        created_by_name -> Nullable<Text>,
        expires_at -> Timestamp,
        consumed_at -> Nullable<Timestamp>,
        removed_at -> Nullable<Timestamp>,
        removed_by -> Nullable<Text>,
        enrollment_id -> Nullable<Text>,
    }
}

diesel::table! {
    provisioning_tasks (number) {
        number -> BigInt,
        operator_id -> Text,
        operator_name -> Nullable<Text>,
        emailed_to -> Nullable<Text>,
        start_date -> Date,
        stop_date -> Date,
        token_type -> Text,
        count -> Integer,
        created_at -> Timestamp,
        removed_at -> Nullable<Timestamp>,
        removed_by -> Nullable<Text>,
    }
}

diesel::table! {
    task_entries (id) {
        id -> Text,
        task_number -> BigInt,
        user_id -> Text,
        token_type -> Text,
        status -> Text,
        attempts -> Integer,
        max_attempts -> Integer,
        stop_date -> Date,
        emailed_to -> Nullable<Text>,
        serial -> Nullable<Text>,
        sealed_totp_key -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        completed_at -> Nullable<Timestamp>,
        canceled_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    idempotency_keys (key, operator_id, operation) {
        key -> Text,
        operator_id -> Text,
        operation -> Text,
        request_hash -> Text,
        response_status -> Integer,
        response_body -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(enrollments -> users (user_id));
diesel::joinable!(task_entries -> users (user_id));
diesel::joinable!(task_entries -> provisioning_tasks (task_number));

diesel::table! {
    identity_sources (id) {
        id -> Text,
        name -> Text,
        description -> Nullable<Text>,
        kind -> Text,
        settings -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    enrollment_flows (id) {
        id -> Text,
        name -> Text,
        description -> Nullable<Text>,
        authorization_kind -> Text,
        settings -> Text,
        enabled -> Bool,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    flow_sources (flow_id, position) {
        flow_id -> Text,
        position -> Integer,
        source_id -> Text,
        mode -> Text,
        verify_family_name -> Bool,
    }
}

diesel::table! {
    petitions (id) {
        id -> Text,
        flow_id -> Text,
        status -> Text,
        email -> Text,
        given_name -> Nullable<Text>,
        family_name -> Nullable<Text>,
        email_confirmed_at -> Nullable<Timestamp>,
        code_hash -> Nullable<Text>,
        failed_attempts -> Integer,
        expires_at -> Timestamp,
        user_id -> Nullable<Text>,
        link_user_id -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        decision_comment -> Nullable<Text>,
    }
}

diesel::table! {
    petition_history (id) {
        id -> Text,
        petition_id -> Text,
        event -> Text,
        actor_type -> Text,
        actor_id -> Nullable<Text>,
        actor_name -> Nullable<Text>,
        detail -> Nullable<Text>,
        at -> Timestamp,
    }
}

diesel::table! {
    org_identities (id) {
        id -> Text,
        source_id -> Text,
        source_key -> Text,
        petition_id -> Nullable<Text>,
        user_id -> Nullable<Text>,
        enrollee -> Bool,
        given_name -> Nullable<Text>,
        family_name -> Nullable<Text>,
        emails -> Text,
        attributes -> Text,
        fetched_at -> Timestamp,
    }
}

diesel::joinable!(flow_sources -> enrollment_flows (flow_id));
diesel::joinable!(flow_sources -> identity_sources (source_id));
diesel::joinable!(org_identities -> identity_sources (source_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    identity_services,
    audit_events,
    settings,
    enrollments,
    code_challenges,
    rate_limits,
    notifications,
    notification_templates,
    registration_sessions,
    provisioning_tasks,
    task_entries,
    idempotency_keys,
    identity_sources,
    enrollment_flows,
    flow_sources,
    petitions,
    petition_history,
    org_identities,
);
