//! The operations of the OpenAPI document, matched against requests: the middleware learns from it
//! which operation a request is, which scope it needs, and whether a path exists under another method.

use serde_json::Value;

use crate::auth::scopes::Scope;

/// One operation of the document.
#[derive(Debug, Clone)]
pub struct RouteInfo {
    /// HTTP method, upper case.
    pub method: String,
    /// The path template, e.g. `/v1/users/{user}`.
    pub template: String,
    /// The operationId (leaked once at start-up so it can be `&'static`).
    pub operation_id: &'static str,
    /// `None` for public operations; otherwise the scopes of which the caller needs all.
    pub scopes: Option<Vec<Scope>>,
    segments: Vec<Segment>,
}

#[derive(Debug, Clone, PartialEq)]
enum Segment {
    Literal(String),
    Param,
}

/// What a request path and method resolve to.
pub enum RouteMatch<'a> {
    /// A documented operation.
    Operation(&'a RouteInfo),
    /// The path exists, but not for this method; the methods it has.
    MethodNotAllowed(Vec<String>),
    /// No documented path.
    NotFound,
}

/// Every operation of the document, grouped by how many segments its path has.
#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    /// `by_length[n]`: the operations whose paths have `n` segments.
    by_length: Vec<Vec<RouteInfo>>,
}

/// Paths of more segments than this are refused when the document is read (none comes near).
const MAX_SEGMENTS: usize = 16;

const METHODS: &[&str] = &["get", "put", "post", "delete", "patch", "head", "options"];

impl RouteTable {
    /// Reads the operations out of an OpenAPI document. An operation whose security also allows
    /// anonymous callers (`security: [{}, {bearer: [..]}]`, as `/metrics`) is public, unless
    /// `close_optional` is set (`metrics_require_token`): then it needs its listed scopes.
    pub fn from_spec(spec: &Value, close_optional: bool) -> Result<Self, String> {
        let mut by_length: Vec<Vec<RouteInfo>> = Vec::new();
        let paths = spec
            .get("paths")
            .and_then(Value::as_object)
            .ok_or("the document has no paths")?;
        for (template, item) in paths {
            for method in METHODS {
                let Some(operation) = item.get(*method) else {
                    continue;
                };
                let operation_id = operation
                    .get("operationId")
                    .and_then(Value::as_str)
                    .ok_or_else(|| format!("{method} {template} has no operationId"))?;
                let segments = parse_template(template);
                if segments.len() > MAX_SEGMENTS {
                    return Err(format!("{template} has more than {MAX_SEGMENTS} segments"));
                }
                if by_length.len() <= segments.len() {
                    by_length.resize_with(segments.len() + 1, Vec::new);
                }
                by_length[segments.len()].push(RouteInfo {
                    method: method.to_ascii_uppercase(),
                    template: template.clone(),
                    operation_id: Box::leak(operation_id.to_owned().into_boxed_str()),
                    scopes: security_scopes(operation, close_optional)?,
                    segments,
                });
            }
        }
        Ok(Self { by_length })
    }

    /// Resolves a request. A literal segment beats a parameter (`/v1/users/import` over `/v1/users/{user}`).
    /// The path is split once and compared with the operations of as many segments, allocating
    /// nothing unless the method is not allowed.
    pub fn resolve(&self, method: &str, path: &str) -> RouteMatch<'_> {
        let mut parts = [""; MAX_SEGMENTS];
        let mut count = 0;
        for part in path.split('/').skip(1) {
            let Some(slot) = parts.get_mut(count) else {
                return RouteMatch::NotFound;
            };
            *slot = part;
            count += 1;
        }
        let (parts, routes) = match self.by_length.get(count) {
            Some(routes) => (&parts[..count], routes),
            None => return RouteMatch::NotFound,
        };
        // The most literal templates win for every method: `/v1/users/import` is the import
        // resource (POST only), never the user named "import".
        let mut fewest = usize::MAX;
        let mut found = None;
        for route in routes {
            let Some(params) = match_segments(&route.segments, parts) else {
                continue;
            };
            if params < fewest {
                fewest = params;
                found = None;
            }
            if params == fewest && found.is_none() && route.method == method {
                found = Some(route);
            }
        }
        match found {
            Some(route) => RouteMatch::Operation(route),
            None if fewest == usize::MAX => RouteMatch::NotFound,
            None => {
                let mut allowed: Vec<String> = routes
                    .iter()
                    .filter(|route| match_segments(&route.segments, parts) == Some(fewest))
                    .map(|route| route.method.clone())
                    .collect();
                allowed.sort();
                allowed.dedup();
                RouteMatch::MethodNotAllowed(allowed)
            }
        }
    }
}

/// The scopes an operation's `security` asks for: `None` when it has none, or when it also allows
/// anonymous callers (an empty requirement) and `close_optional` is not set.
fn security_scopes(operation: &Value, close_optional: bool) -> Result<Option<Vec<Scope>>, String> {
    let Some(requirements) = operation.get("security").and_then(Value::as_array) else {
        return Ok(None);
    };
    let mut scopes = Vec::new();
    let mut any = false;
    let mut anonymous = false;
    for requirement in requirements {
        let Some(map) = requirement.as_object() else {
            continue;
        };
        anonymous |= map.is_empty();
        for names in map.values() {
            any = true;
            for name in names
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                scopes.push(name.parse::<Scope>()?);
            }
        }
    }
    Ok((any && (close_optional || !anonymous)).then_some(scopes))
}

fn parse_template(template: &str) -> Vec<Segment> {
    template
        .split('/')
        .skip(1)
        .map(|part| {
            if part.starts_with('{') && part.ends_with('}') {
                Segment::Param
            } else {
                Segment::Literal(part.to_owned())
            }
        })
        .collect()
}

/// The parameters a path's segments fill in a template of as many segments, or `None` when they
/// do not match.
fn match_segments(segments: &[Segment], parts: &[&str]) -> Option<usize> {
    let mut params = 0;
    for (segment, part) in segments.iter().zip(parts) {
        match segment {
            Segment::Literal(literal) if literal == part => {}
            Segment::Param if !part.is_empty() => params += 1,
            _ => return None,
        }
    }
    Some(params)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn literal_segments_beat_parameters_and_other_methods_are_reported() {
        let spec = serde_json::json!({"paths": {
            "/v1/users/{user}": {"get": {"operationId": "get_user", "security": [{"bearer": ["users:read"]}]},
                                  "delete": {"operationId": "delete_user", "security": [{"bearer": ["users:write"]}]}},
            "/v1/users/import": {"post": {"operationId": "import_users", "security": [{"bearer": ["users:write"]}]}},
            "/healthz": {"get": {"operationId": "get_health"}}
        }});
        let table = RouteTable::from_spec(&spec, false).unwrap();
        let RouteMatch::Operation(route) = table.resolve("POST", "/v1/users/import") else {
            panic!()
        };
        assert_eq!(route.operation_id, "import_users");
        let RouteMatch::MethodNotAllowed(allowed) = table.resolve("GET", "/v1/users/import") else {
            panic!()
        };
        assert_eq!(allowed, vec!["POST"]);
        let RouteMatch::Operation(route) = table.resolve("GET", "/v1/users/bob") else {
            panic!()
        };
        assert_eq!(route.operation_id, "get_user");
        assert_eq!(route.scopes, Some(vec![Scope::UsersRead]));
        let RouteMatch::MethodNotAllowed(allowed) = table.resolve("PUT", "/v1/users/bob") else {
            panic!()
        };
        assert_eq!(allowed, vec!["DELETE", "GET"]);
        assert!(matches!(
            table.resolve("GET", "/v1/nothing"),
            RouteMatch::NotFound
        ));
        let RouteMatch::Operation(route) = table.resolve("GET", "/healthz") else {
            panic!()
        };
        assert_eq!(route.scopes, None);
        for unknown in [
            "/",
            "/healthz/",
            "/v1/users/",
            "/v1/users/bob/x",
            &"/a".repeat(40),
        ] {
            assert!(
                matches!(table.resolve("GET", unknown), RouteMatch::NotFound),
                "{unknown}"
            );
        }
    }
}
