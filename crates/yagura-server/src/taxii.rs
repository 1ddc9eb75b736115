//! TAXII 2.1 (OASIS, 2021): discovery, API roots (the default `hub` and
//! those added), collections, objects (GET, POST, DELETE), object by id,
//! versions, manifest and status, with the filters `added_after`, `limit`,
//! `next`, `match[id]`, `match[type]`, `match[version]` (`last`, `first`,
//! `all`, timestamps) and `match[spec_version]`. Every object and manifest
//! entry goes through the policy for the requester's organization, audited.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};
use yagura_core::{
    ApiRoot, Channel, Collection, CollectionId, DEFAULT_API_ROOT, IntelStore, ObjectFilter,
    ObjectMeta, RawObject, Role, StoreTx,
};
use yagura_policy::Recipient;
use yagura_stix::validate::{Options, validate_object};
use yagura_stix::{StixObject, Timestamp};

use crate::auth::Principal;
use crate::error::ApiError;
use crate::readahead::PageKey;
use crate::release::Releaser;
use crate::{AppState, STIX_TYPE, TAXII_TYPE};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/taxii2/", get(discovery))
        .route("/{root}/", get(api_root))
        .route("/{root}/collections/", get(collections))
        .route("/{root}/collections/{id}/", get(collection))
        .route(
            "/{root}/collections/{id}/objects/",
            get(objects).post(add_objects),
        )
        .route("/{root}/status/{status_id}/", get(status))
        .route(
            "/{root}/collections/{id}/objects/{object_id}/",
            get(object).delete(delete_object),
        )
        .route(
            "/{root}/collections/{id}/objects/{object_id}/versions/",
            get(versions),
        )
        .route("/{root}/collections/{id}/manifest/", get(manifest))
}

/// 406 unless the client accepts TAXII 2.1 JSON.
fn accepts(headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Ok(());
    };
    let ok = accept.split(',').any(|m| {
        let m: String = m
            .split(";q=")
            .next()
            .unwrap_or_default()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        let m = m.to_ascii_lowercase();
        m == "application/taxii+json;version=2.1"
            || m == "application/taxii+json"
            || m == "*/*"
            || m == "application/*"
    });
    if ok {
        Ok(())
    } else {
        Err(ApiError::new(
            axum::http::StatusCode::NOT_ACCEPTABLE,
            "Not acceptable",
            format!("this server answers {TAXII_TYPE}"),
        ))
    }
}

/// A TAXII timestamp: microseconds, the precision clients parse (Python's
/// `%f` takes at most six digits).
fn taxii_time(t: Timestamp) -> String {
    let text = t.to_string();
    let (whole, frac) = text
        .trim_end_matches('Z')
        .split_once('.')
        .unwrap_or((text.trim_end_matches('Z'), ""));
    let mut frac: String = frac.chars().take(6).collect();
    while frac.len() < 6 {
        frac.push('0');
    }
    format!("{whole}.{frac}Z")
}

fn taxii(body: &Value) -> Response {
    let mut r = body.to_string().into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(TAXII_TYPE));
    r
}

/// The API root served at `/{root}/`: the default one or one added.
async fn find_root(state: &AppState, root: &str) -> Result<ApiRoot, ApiError> {
    if root == DEFAULT_API_ROOT {
        return Ok(ApiRoot {
            name: root.to_owned(),
            title: state.config.title.clone(),
            description: None,
        });
    }
    state
        .context
        .get(&state.store)
        .await?
        .api_roots
        .iter()
        .find(|r| r.name == root)
        .cloned()
        .ok_or_else(|| ApiError::not_found(format!("no API root {root:?}")))
}

async fn check_root(state: &AppState, root: &str) -> Result<(), ApiError> {
    find_root(state, root).await.map(|_| ())
}

async fn discovery(
    State(state): State<AppState>,
    _who: Principal,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    accepts(&headers)?;
    let default = format!("/{DEFAULT_API_ROOT}/");
    let mut roots = vec![default.clone()];
    roots.extend(
        state
            .context
            .get(&state.store)
            .await?
            .api_roots
            .iter()
            .map(|r| format!("/{}/", r.name)),
    );
    Ok(taxii(&json!({
        "title": state.config.title,
        "description": "Yagura sovereign threat-intelligence hub",
        "default": default,
        "api_roots": roots,
    })))
}

async fn api_root(
    State(state): State<AppState>,
    _who: Principal,
    Path(root): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    accepts(&headers)?;
    let root = find_root(&state, &root).await?;
    let mut body = json!({
        "title": root.title,
        "versions": [TAXII_TYPE],
        "max_content_length": state.config.max_content_length,
    });
    if let Some(d) = root.description {
        body["description"] = json!(d);
    }
    Ok(taxii(&body))
}

/// Read access: admins; community members and the collection's audience
/// unless the collection is write-only.
fn can_read(who: &Principal, c: &Collection) -> bool {
    who.user.role == Role::Admin
        || (c.readable && (who.org.community || c.audience.contains(&who.org.name)))
}

/// Write access: admins; the collection's audience unless it is read-only.
fn can_write(who: &Principal, c: &Collection) -> bool {
    who.user.role == Role::Admin || (c.writable && c.audience.contains(&who.org.name))
}

fn collection_json(who: &Principal, c: &Collection) -> Value {
    let mut v = json!({
        "id": c.id.as_str(),
        "title": c.title,
        "can_read": can_read(who, c),
        "can_write": can_write(who, c),
        "media_types": [STIX_TYPE],
    });
    if let Some(d) = &c.description {
        v["description"] = json!(d);
    }
    v
}

async fn collections(
    State(state): State<AppState>,
    who: Principal,
    Path(root): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    accepts(&headers)?;
    check_root(&state, &root).await?;
    let list: Vec<Value> = state
        .context
        .get(&state.store)
        .await?
        .collections
        .iter()
        .filter(|c| c.api_root == root && (can_read(&who, c) || can_write(&who, c)))
        .map(|c| collection_json(&who, c))
        .collect();
    let body = if list.is_empty() {
        json!({})
    } else {
        json!({"collections": list})
    };
    Ok(taxii(&body))
}

/// The collection, if the requester may see it at all (else 404, so that
/// collection ids do not leak).
async fn visible(
    state: &AppState,
    who: &Principal,
    root: &str,
    id: &str,
) -> Result<Collection, ApiError> {
    let id: CollectionId = id
        .parse()
        .map_err(|_| ApiError::not_found("no such collection"))?;
    state
        .context
        .get(&state.store)
        .await?
        .collections
        .iter()
        .find(|c| c.id == id && c.api_root == root && (can_read(who, c) || can_write(who, c)))
        .cloned()
        .ok_or_else(|| ApiError::not_found("no such collection"))
}

async fn collection(
    State(state): State<AppState>,
    who: Principal,
    Path((root, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    accepts(&headers)?;
    check_root(&state, &root).await?;
    let c = visible(&state, &who, &root, &id).await?;
    Ok(taxii(&collection_json(&who, &c)))
}

/// The filters of an objects or manifest request.
#[derive(Debug, Default)]
struct Query {
    added_after: Option<Timestamp>,
    limit: Option<u32>,
    next: Option<i64>,
    ids: Vec<String>,
    types: Vec<String>,
    all_versions: bool,
    versions: Vec<Timestamp>,
    first: bool,
    spec_versions: Vec<String>,
}

fn percent_decode(s: &str) -> String {
    let hex = |b: u8| (b as char).to_digit(16);
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
                    i += 3;
                    continue;
                }
                out.push(b'%');
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn parse_query(raw: Option<&str>, state: &AppState) -> Result<Query, ApiError> {
    let mut q = Query::default();
    for pair in raw.unwrap_or_default().split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (k, v) = (percent_decode(k), percent_decode(v));
        let list = || {
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let time = |s: &str| {
            Timestamp::parse(s)
                .map_err(|e| ApiError::bad_request(format!("{k}: {s:?} is not a timestamp: {e}")))
        };
        match k.as_str() {
            "added_after" => q.added_after = Some(time(&v)?),
            "limit" => {
                let n: u32 = v.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                    ApiError::bad_request(format!("limit: {v:?} is not a positive integer"))
                })?;
                q.limit = Some(n.min(state.config.max_page));
            }
            "next" => {
                q.next =
                    Some(v.parse().map_err(|_| {
                        ApiError::bad_request("next: not a value this server gave")
                    })?);
            }
            "match[id]" => q.ids.extend(list()),
            "match[type]" => q.types.extend(list()),
            "match[spec_version]" => q.spec_versions.extend(list()),
            "match[version]" => {
                for item in list() {
                    match item.as_str() {
                        "last" => {}
                        "all" => q.all_versions = true,
                        "first" => {
                            q.all_versions = true;
                            q.first = true;
                        }
                        t => {
                            q.versions.push(time(t)?);
                            q.all_versions = true;
                        }
                    }
                }
            }
            other => {
                return Err(ApiError::bad_request(format!(
                    "unknown parameter {other:?}"
                )));
            }
        }
    }
    Ok(q)
}

/// One page of released objects and whether more may follow.
struct Page {
    objects: Vec<RawObject>,
    more: bool,
    next: i64,
    /// Whether this is the first page (the request named no `next`).
    first: bool,
}

async fn released_page(
    state: &AppState,
    who: &Principal,
    c: &Collection,
    q: &Query,
) -> Result<Page, ApiError> {
    if !can_read(who, c) {
        return Err(ApiError::forbidden("no read access to this collection"));
    }
    let limit = q.limit.unwrap_or(state.config.default_page);
    let filter = ObjectFilter {
        types: q.types.clone(),
        collection: Some(c.id.clone()),
        ids: q.ids.clone(),
        added_after: q.added_after,
        all_versions: q.all_versions,
        first_versions: q.first,
        revoked: true,
        ..ObjectFilter::default()
    };
    let after = q.next.unwrap_or(0);
    let key = PageKey::new(&filter, after, limit + 1);
    let mut rows = match state.readahead.take(&key).await {
        Some(rows) => rows,
        None => state.store.page_raw(&filter, after, limit + 1).await?,
    };
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next = rows.last().map_or(0, |(p, _)| *p);
    // A client that pages on (it named `next`) gets the following page
    // read while it reads this one.
    if more && q.next.is_some() {
        state
            .readahead
            .start(&state.store, filter.clone(), next, limit + 1);
    }
    let versions: Vec<Timestamp> = q.versions.clone();
    let spec_versions = q.spec_versions.clone();
    let wanted = move |o: &RawObject, _: &yagura_policy::Subject| {
        let version_ok =
            versions.is_empty() || o.head.version().is_some_and(|m| versions.contains(&m));
        let spec = o.head.spec_version.as_deref().unwrap_or("2.0");
        version_ok && (spec_versions.is_empty() || spec_versions.iter().any(|s| s == spec))
    };
    let mut releaser = Releaser::with(
        &state.store,
        Recipient::org(&who.org),
        Channel::Taxii,
        state.config.hub.clone(),
        state.context.get(&state.store).await?,
        Some(state.audit.clone()),
    );
    let objects = releaser
        .release_raw(rows.into_iter().map(|(_, o)| o).collect(), wanted)
        .await?;
    Ok(Page {
        objects,
        more,
        next,
        first: q.next.is_none(),
    })
}

/// The envelope `{"more", "next", key: [...]}` with the items (JSON texts:
/// stored objects go out as stored) written straight into the body, and
/// the date-added headers.
fn envelope<S: AsRef<str>>(page: &Page, key: &str, items: &[S]) -> Response {
    let size: usize = items.iter().map(|i| i.as_ref().len() + 1).sum();
    let mut body = String::with_capacity(size + 64);
    body.push_str(&format!("{{\"more\":{}", page.more));
    if page.more {
        body.push_str(&format!(",\"next\":\"{}\"", page.next));
    }
    if !items.is_empty() {
        body.push_str(&format!(",\"{key}\":["));
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                body.push(',');
            }
            body.push_str(item.as_ref());
        }
        body.push(']');
    }
    body.push('}');
    let mut r = body.into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(TAXII_TYPE));
    let added: Vec<Timestamp> = page.objects.iter().map(|o| o.date_added).collect();
    if let (Some(first), Some(last)) = (added.iter().min(), added.iter().max()) {
        for (name, t) in [
            ("x-taxii-date-added-first", first),
            ("x-taxii-date-added-last", last),
        ] {
            if let Ok(v) = HeaderValue::from_str(&taxii_time(*t)) {
                r.headers_mut().insert(name, v);
            }
        }
    }
    r
}

/// What a page is of.
enum Target {
    /// The collection's objects (objects, manifest).
    Collection,
    /// One object (object by id).
    Object(String),
    /// Every version of one object (versions).
    Versions(String),
}

/// The shared start of objects, object, versions and manifest: media
/// type, API root, the collection as the requester may see it, the query
/// (narrowed to the target), and the released page.
async fn page_for(
    state: &AppState,
    who: &Principal,
    (root, id): (&str, &str),
    raw: Option<&str>,
    headers: &HeaderMap,
    target: Target,
) -> Result<Page, ApiError> {
    accepts(headers)?;
    check_root(state, root).await?;
    let c = visible(state, who, root, id).await?;
    let mut q = parse_query(raw, state)?;
    match target {
        Target::Collection => {}
        Target::Object(object_id) => {
            if !q.ids.is_empty() || !q.types.is_empty() {
                return Err(ApiError::bad_request(
                    "match[id] and match[type] do not apply to one object",
                ));
            }
            q.ids = vec![object_id];
        }
        Target::Versions(object_id) => {
            if !q.ids.is_empty() || !q.types.is_empty() || !q.versions.is_empty() || q.first {
                return Err(ApiError::bad_request(
                    "versions takes added_after, limit, next and match[spec_version] only",
                ));
            }
            q.ids = vec![object_id];
            q.all_versions = true;
        }
    }
    let page = released_page(state, who, &c, &q).await?;
    Ok(page)
}

async fn objects(
    State(state): State<AppState>,
    who: Principal,
    Path((root, id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let page = page_for(
        &state,
        &who,
        (&root, &id),
        raw.as_deref(),
        &headers,
        Target::Collection,
    )
    .await?;
    let items: Vec<&str> = page.objects.iter().map(|o| o.body.as_str()).collect();
    Ok(envelope(&page, "objects", &items))
}

async fn object(
    State(state): State<AppState>,
    who: Principal,
    Path((root, id, object_id)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let one = Target::Object(object_id);
    let page = page_for(&state, &who, (&root, &id), raw.as_deref(), &headers, one).await?;
    if page.objects.is_empty() {
        return Err(ApiError::not_found("no such object"));
    }
    let items: Vec<&str> = page.objects.iter().map(|o| o.body.as_str()).collect();
    Ok(envelope(&page, "objects", &items))
}

async fn manifest(
    State(state): State<AppState>,
    who: Principal,
    Path((root, id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let page = page_for(
        &state,
        &who,
        (&root, &id),
        raw.as_deref(),
        &headers,
        Target::Collection,
    )
    .await?;
    let items: Vec<String> = page
        .objects
        .iter()
        .map(|o| {
            json!({
                "id": o.head.id,
                "date_added": taxii_time(o.date_added),
                "version": o.head.version_text(),
                "media_type": STIX_TYPE,
            })
            .to_string()
        })
        .collect();
    Ok(envelope(&page, "objects", &items))
}

/// 415 unless the body is TAXII 2.1 JSON.
fn content_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let ct: String = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    if ct == "application/taxii+json;version=2.1" {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported media type",
            format!("send {TAXII_TYPE}"),
        ))
    }
}

/// POST objects: each valid object is stored (one transaction) as produced
/// by the requester's organization, in this collection; each invalid one
/// is a failure naming why. Answers 202 with the status resource, which is
/// complete when answered.
async fn add_objects(
    State(state): State<AppState>,
    who: Principal,
    Path((root, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    accepts(&headers)?;
    check_root(&state, &root).await?;
    content_type(&headers)?;
    let c = visible(&state, &who, &root, &id).await?;
    if !can_write(&who, &c) {
        return Err(ApiError::forbidden("no write access to this collection"));
    }
    let envelope: Value = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request(format!(
            "the body is not JSON: line {} column {}: {e}",
            e.line(),
            e.column()
        ))
    })?;
    let items = envelope
        .get("objects")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            ApiError::bad_request("the body must be an envelope with an \"objects\" list")
        })?;
    let options = Options::default();
    let mut batch = Vec::new();
    let mut failures = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let id = item
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let version = item
            .get("modified")
            .or_else(|| item.get("created"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let object = match StixObject::from_value(item.clone()) {
            Ok(o) => o,
            Err(e) => {
                failures.push(
                    json!({"id": id, "version": version, "message": format!("objects[{i}]: {e}")}),
                );
                continue;
            }
        };
        let report = validate_object(object.properties(), &options);
        if let Some(first) = report.errors.first() {
            failures.push(
                json!({"id": id, "version": version, "message": format!("objects[{i}]: {first}")}),
            );
            continue;
        }
        // Only the producer versions its objects: another organization's
        // newer version would take over what the original is released as.
        if let Some(existing) = state.store.get(&id).await?
            && existing.meta.producer.as_ref() != Some(&who.org.name)
        {
            failures.push(json!({"id": id, "version": version,
                "message": format!("objects[{i}]: the object belongs to another organization")}));
            continue;
        }
        let meta = ObjectMeta {
            producer: Some(who.org.name.clone()),
            tlp: yagura_stix::marking::marked_tlp(&object),
            residency: None,
            collection: Some(c.id.clone()),
        };
        batch.push(((id, version), (object, meta)));
    }
    let (keys, objects): (Vec<_>, Vec<_>) = batch.into_iter().unzip();
    if !objects.is_empty() {
        let mut tx = state.store.begin().await?;
        tx.put_batch(&objects).await?;
        tx.commit().await?;
        // New marking definitions count at once; pages read ahead are stale.
        state.context.invalidate();
        state.readahead.clear();
    }
    let now = taxii_time(Timestamp::now());
    let successes: Vec<Value> = keys
        .iter()
        .map(|(id, v)| json!({"id": id, "version": v}))
        .collect();
    let status = json!({
        "id": uuid::Uuid::new_v4().to_string(),
        "status": "complete",
        "request_timestamp": now,
        "total_count": items.len(),
        "success_count": successes.len(),
        "successes": successes,
        "failure_count": failures.len(),
        "failures": failures,
        "pending_count": 0,
    });
    let status_id = status["id"].as_str().unwrap_or_default().to_owned();
    state
        .store
        .put_status(&status_id, who.org.name.as_str(), &now, &status.to_string())
        .await?;
    let mut r = taxii(&status);
    *r.status_mut() = StatusCode::ACCEPTED;
    Ok(r)
}

/// GET status: only to the organization that made the request.
async fn status(
    State(state): State<AppState>,
    who: Principal,
    Path((root, status_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    accepts(&headers)?;
    check_root(&state, &root).await?;
    let body = state
        .store
        .status(&status_id, who.org.name.as_str())
        .await?
        .ok_or_else(|| ApiError::not_found("no such status"))?;
    let mut r = body.into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(TAXII_TYPE));
    Ok(r)
}

/// GET versions of one object: the versions the requester may receive,
/// oldest first, paged like objects.
async fn versions(
    State(state): State<AppState>,
    who: Principal,
    Path((root, id, object_id)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let all = Target::Versions(object_id);
    let page = page_for(&state, &who, (&root, &id), raw.as_deref(), &headers, all).await?;
    if page.objects.is_empty() && page.first {
        return Err(ApiError::not_found("no such object"));
    }
    let mut list: Vec<&str> = page.objects.iter().map(|o| o.head.version_text()).collect();
    list.sort_by_key(|v| {
        Timestamp::parse(v)
            .map(Timestamp::sortable)
            .unwrap_or_default()
    });
    let list: Vec<String> = list.iter().map(|v| Value::from(*v).to_string()).collect();
    Ok(envelope(&page, "versions", &list))
}

/// DELETE one object from a collection: all its versions, or those named by
/// `match[version]` timestamps (the newest remaining version becomes
/// current). Only its producer (or an admin) with write access may: without
/// write access 403, not the producer 404.
async fn delete_object(
    State(state): State<AppState>,
    who: Principal,
    Path((root, id, object_id)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    accepts(&headers)?;
    check_root(&state, &root).await?;
    let c = visible(&state, &who, &root, &id).await?;
    if !can_write(&who, &c) {
        return Err(ApiError::forbidden("no write access to this collection"));
    }
    let q = parse_query(raw.as_deref(), &state)?;
    if q.first || !q.ids.is_empty() || !q.types.is_empty() {
        return Err(ApiError::bad_request(
            "DELETE takes match[version] as timestamps or all",
        ));
    }
    let filter = ObjectFilter {
        collection: Some(c.id.clone()),
        ids: vec![object_id.clone()],
        all_versions: true,
        revoked: true,
        ..ObjectFilter::default()
    };
    let stored = state.store.page(&filter, 0, 1).await?;
    let Some((_, o)) = stored.first() else {
        return Err(ApiError::not_found("no such object"));
    };
    // Not the producer: as if absent, so that deleting reveals nothing.
    if o.meta.producer.as_ref() != Some(&who.org.name) && who.user.role != Role::Admin {
        return Err(ApiError::not_found("no such object"));
    }
    let deleted = state.store.delete(&object_id, &q.versions).await;
    state.context.invalidate();
    state.readahead.clear();
    match deleted {
        Ok(0) => Err(ApiError::not_found("no such version")),
        Ok(_) => Ok(taxii(&json!({}))),
        Err(yagura_core::StoreError::Unstorable { reason, .. }) => {
            Err(ApiError::bad_request(reason))
        }
        Err(e) => Err(e.into()),
    }
}
