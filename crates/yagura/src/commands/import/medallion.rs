//! `yagura import --format medallion`: a medallion 3 (the OASIS TAXII 2.1
//! reference server) memory-backend file, so that its clients move over
//! unchanged: API roots keep their names and titles, collections their
//! ids, titles and `can_read`/`can_write`, objects their `date_added`
//! (`added_after` bookmarks stay valid), status resources their ids, and
//! users (a top-level `"users": {"name": "password"}`, as in medallion's
//! configuration file) their passwords, hashed with argon2id.
//!
//! medallion has one set of rights for every user; here its users become
//! partners of the organization `--org`, which is put in the audience of
//! every collection it migrates (so unmarked objects, under the hub's
//! default TLP, reach them as before). Everything is checked
//! (`yagura_formats::medallion::read`) before anything is written; objects
//! go in one transaction.

use std::collections::HashSet;
use std::path::Path;

use anyhow::{Context as _, Result, bail};
use yagura_core::{
    Accounts, CollectionId, Directory, IntelStore, ObjectMeta, Role, StoreTx, User, UserId,
};
use yagura_store::SqliteStore;

use super::{ImportArgs, Tally, read_text};

/// Imports a medallion memory-backend file. The outer error is fatal; the
/// inner one rejects the file with nothing written.
pub(super) async fn import(
    store: &SqliteStore,
    path: &Path,
    args: &ImportArgs,
) -> Result<std::result::Result<Tally, String>> {
    let Some(org) = &args.org else {
        bail!(
            "--org names the organization medallion's users and objects belong to (see `yagura org add`)"
        );
    };
    if store.org(org).await?.is_none() {
        bail!("no organization {org:?} (see `yagura org add`)");
    }
    if args.collection.is_some() {
        bail!("--collection does not apply: medallion's collections are migrated as they are");
    }
    let text = read_text(path, args)?;
    let plan = match yagura_formats::medallion::read(&text, org, args.skip_invalid) {
        Ok(p) => p,
        Err(why) => return Ok(Err(why)),
    };
    drop(text);
    // What the hub already has must not clash.
    let roots: HashSet<String> = store
        .api_roots()
        .await?
        .into_iter()
        .map(|r| r.name)
        .collect();
    if let Some(r) = plan.roots.iter().find(|r| roots.contains(&r.name)) {
        return Ok(Err(format!("the hub already has an API root {:?}", r.name)));
    }
    let collections: HashSet<CollectionId> = store
        .collections()
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect();
    if let Some(c) = plan
        .collections
        .iter()
        .find(|c| collections.contains(&c.id))
    {
        return Ok(Err(format!("the hub already has a collection {}", c.id)));
    }
    let users: HashSet<UserId> = store.users().await?.into_iter().map(|u| u.name).collect();
    if let Some((u, _)) = plan.users.iter().find(|(u, _)| users.contains(u)) {
        return Ok(Err(format!("the hub already has a user {u}")));
    }
    let mut hashes = Vec::with_capacity(plan.users.len());
    for (name, password) in &plan.users {
        let hash = yagura_server::secrets::hash_password(password)
            .with_context(|| format!("hashing the password of {name}"))?;
        hashes.push((name.clone(), hash));
    }

    let mut tally = Tally::new(args);
    let mut tx = store.begin().await.context("starting a transaction")?;
    let mut seen: HashSet<(String, String)> = HashSet::new();
    let mut shared = 0_u64;
    for group in plan.objects.chunk_by(|a, b| a.0 == b.0) {
        tx.set_date_added(group[0].0);
        let mut batch = Vec::with_capacity(group.len());
        for (_, object, collection) in group {
            let key = (
                object.id().unwrap_or_default().to_owned(),
                object.version_text().to_owned(),
            );
            if !seen.insert(key) {
                // The store keeps one collection per object version.
                shared += 1;
                continue;
            }
            batch.push((
                object.clone(),
                ObjectMeta {
                    collection: Some(collection.clone()),
                    ..args.meta(yagura_stix::marking::marked_tlp(object))
                },
            ));
        }
        match tx.put_batch(&batch).await {
            Ok(outcomes) => {
                for (outcome, (object, _)) in outcomes.into_iter().zip(&batch) {
                    tally.add(outcome, object.object_type());
                }
            }
            Err(yagura_core::StoreError::Unstorable { id, reason }) => {
                return Ok(Err(format!("{id}: {reason}")));
            }
            Err(e) => return Err(e).context("storing"),
        }
    }
    tx.commit().await.context("committing")?;
    for r in &plan.roots {
        store.add_api_root(r).await?;
    }
    for c in &plan.collections {
        store.add_collection(c).await?;
    }
    for (id, when, body) in &plan.statuses {
        store.put_status(id, org.as_str(), when, body).await?;
    }
    for (name, hash) in &hashes {
        let user = User {
            name: name.clone(),
            org: org.clone(),
            role: Role::Partner,
        };
        store.add_user(&user, Some(hash)).await?;
    }
    let mut err = std::io::stderr();
    use std::io::Write as _;
    for s in &plan.skipped {
        writeln!(err, "{}: skipped {s}", path.display())?;
    }
    tally.rejected = plan.skipped.len() as u64;
    if shared > 0 {
        writeln!(
            err,
            "{}: {shared} object versions held in more than one collection stay in the first only",
            path.display()
        )?;
    }
    for n in &plan.notes {
        writeln!(err, "{}: {n}", path.display())?;
    }
    writeln!(
        err,
        "{}: {} API roots, {} collections, {} status resources, {} users (organization {org})",
        path.display(),
        plan.roots.len(),
        plan.collections.len(),
        plan.statuses.len(),
        plan.users.len()
    )?;
    Ok(Ok(tally))
}
