//! The `evtx` crate's JSON rules, applied to a record's instances as they
//! are read (see the [parent module](super)): each of its `*_plain` methods
//! (`binxml/compiled.rs`) has its counterpart here, named in its
//! documentation, with fields given to [`Fields`] where the crate writes
//! JSON leaves, under the names the JSON scanner gives them.

use std::borrow::Cow;

use smallvec::SmallVec;

use super::*;

/// Reads a record through the JSON rules, noting a plan of it in `rec`.
pub(super) fn generic<'v>(
    insts: &[Instance<'_, 'v>],
    root: u32,
    out: &mut Fields,
    rec: Option<&mut Recording>,
    data: &'v [u8],
) -> Option<()> {
    let mut e = Emit {
        insts,
        out,
        depth: 0,
        rec,
        data,
        items: Items::default(),
    };
    e.root(root)
}

/// A node of an instance: a template node with its substitution resolved.
#[derive(Clone, Copy)]
enum R<'t, 'v> {
    Text(&'t str),
    Val(Val<'v>),
    /// An element: its instance, its index in the instance's template, and
    /// which item of its array substitution it has ([`NONE`]: it has none).
    Elem(u32, u32, u32),
    CharRef(u16),
    Entity(&'t str),
    Pi,
}

/// An element's nodes, resolved.
type Nodes<'t, 'v> = SmallVec<[R<'t, 'v>; 2]>;

/// A template, an instance's values, and whether one of them is an array
/// that expands its element.
pub(super) type Instance<'t, 'v> = (&'t Template, Vec<Val<'v>>, bool);

struct Emit<'t, 'v, 'o> {
    insts: &'o [Instance<'t, 'v>],
    out: &'o mut Fields,
    depth: usize,
    rec: Option<&'o mut Recording>,
    /// The chunk (where a record's literal values are).
    data: &'v [u8],
    items: Items,
}

/// An element of an instance.
#[derive(Clone, Copy)]
struct El<'t> {
    inst: u32,
    e: &'t TElem,
    /// The item of its array substitution it has ([`NONE`]: none).
    item: u32,
}

/// Counts repeated names: 0 the first time, then 1, 2, …
#[derive(Default)]
struct Counts<'a>(Vec<(Cow<'a, str>, u32)>);

impl<'a> Counts<'a> {
    fn next(&mut self, name: Cow<'a, str>) -> u32 {
        match self.0.iter_mut().find(|(n, _)| *n == name) {
            Some((_, c)) => {
                *c += 1;
                *c
            }
            None => {
                self.0.push((name, 0));
                0
            }
        }
    }
}

fn is_container(name: &str) -> bool {
    name == "EventData" || name == "UserData"
}

impl<'t, 'v> Emit<'t, 'v, '_> {
    fn elem(&self, inst: u32, id: u32, item: u32) -> El<'t> {
        El {
            inst,
            e: &self.insts[inst as usize].0.elems[id as usize],
            item,
        }
    }

    /// The value of a substitution node, unless it is left out.
    fn sub(&self, inst: u32, n: &TNode) -> Option<Val<'v>> {
        let TNode::Sub { id, optional } = n else {
            return None;
        };
        let v = *self.insts[inst as usize].1.get(usize::from(*id))?;
        (!(*optional && v.empty())).then_some(v)
    }

    /// How many elements an array substitution makes of element `c` of
    /// instance `inst`: `Some(None)` for none, `None` (declined) when more
    /// than one of its nodes would (each copy would be expanded again).
    fn expansion(&self, inst: u32, c: u32) -> Option<Option<usize>> {
        let e = &self.insts[inst as usize].0.elems[c as usize];
        let mut found = None;
        for n in e
            .children
            .iter()
            .chain(e.attrs.iter().flat_map(|a| a.1.iter()))
        {
            if let Some(len) = self.sub(inst, n).and_then(|v| v.expands()) {
                if found.is_some() {
                    return None;
                }
                found = Some(len);
            }
        }
        Some(found)
    }

    /// A template node as instance `inst` has it, `None` when left out.
    fn live(&self, inst: u32, n: &'t TNode) -> Option<R<'t, 'v>> {
        let vals = &self.insts[inst as usize].1;
        match n {
            TNode::Text(s) => Some(R::Text(s)),
            TNode::Value { ty, at, len } => {
                let bytes = self.data.get(*at as usize..(*at + *len) as usize)?;
                Some(R::Val(Val {
                    ty: *ty,
                    bytes,
                    nested: NONE,
                    at: (NONE, 0, NONE),
                }))
            }
            TNode::Instance(k) => Some(R::Elem(*k, self.insts[*k as usize].0.root, NONE)),
            TNode::Sub { id, optional } => {
                let v = *vals.get(usize::from(*id))?;
                if *optional && v.empty() {
                    return None;
                }
                if v.ty == 0x21 {
                    // A fragment's element (an empty one gives none).
                    if v.nested == NONE {
                        return None;
                    }
                    let root = self.insts[v.nested as usize].0.root;
                    return Some(R::Elem(v.nested, root, NONE));
                }
                Some(R::Val(v))
            }
            TNode::Elem(c) => {
                let left_out = self.insts[inst as usize].0.elems[*c as usize]
                    .dependency
                    .and_then(|d| vals.get(usize::from(d)))
                    .is_some_and(Val::is_null);
                (!left_out).then_some(R::Elem(inst, *c, NONE))
            }
            TNode::CharRef(c) => Some(R::CharRef(*c)),
            TNode::Entity(s) => Some(R::Entity(s)),
            TNode::Pi => Some(R::Pi),
        }
    }

    /// The nodes `ns` of element `el` as its instance has them: an element
    /// that an array substitution expands is there once for each item
    /// (MS-EVEN6 3.1.4.7.5), and in such a copy its array is that item (or
    /// nothing, for an empty one).
    fn nodes(&self, el: El<'t>, ns: &'t [TNode]) -> Option<Nodes<'t, 'v>> {
        let mut out = Nodes::new();
        for n in ns {
            if el.item != NONE
                && let Some(v) = self.sub(el.inst, n)
                && v.expands().is_some()
            {
                let item = self.items.get(&v, el.item)?;
                if !item.is_empty() {
                    out.push(R::Val(Val {
                        ty: 0x01,
                        bytes: item,
                        nested: NONE,
                        at: (v.at.0, v.at.1, el.item),
                    }));
                }
                continue;
            }
            match self.live(el.inst, n) {
                Some(R::Elem(i, c, _)) if i == el.inst && self.insts[i as usize].2 => {
                    match self.expansion(i, c)? {
                        Some(len) => out.extend((0..len as u32).map(|k| R::Elem(i, c, k))),
                        None => out.push(R::Elem(i, c, NONE)),
                    }
                }
                Some(r) => out.push(r),
                None => {}
            }
        }
        Some(out)
    }

    /// The element's attributes that keep a value.
    fn attrs(&self, el: El<'t>) -> Option<SmallVec<[(&'t str, Nodes<'t, 'v>); 2]>> {
        let mut out = SmallVec::new();
        for (name, v) in &el.e.attrs {
            let v = self.nodes(el, v)?;
            if !v.is_empty() {
                out.push((&**name, v));
            }
        }
        Some(out)
    }

    fn is_content(n: &R<'_, '_>) -> bool {
        match n {
            R::Text(t) => !t.is_empty(),
            R::Entity(_) | R::CharRef(_) => true,
            R::Val(v) => !v.empty(),
            R::Elem(..) | R::Pi => false,
        }
    }

    fn has_text(ns: &[R<'_, '_>]) -> bool {
        ns.iter().any(Self::is_content)
    }

    fn root(&mut self, inst: u32) -> Option<()> {
        let root = self.elem(inst, self.insts[inst as usize].0.root, NONE);
        // The crate's two renderings differ on a root `EventData` (its
        // compiled one takes it for a container, its tree walk does not):
        // left to the crate.
        if is_container(&root.e.name) {
            return None;
        }
        let base = self.key(&root.e.name, 0, true);
        self.element_value(root, false)?;
        self.out.path.truncate(base);
        Some(())
    }

    /// Names the next value `name` (`_suffix`), as the scanner does: no
    /// `#attributes` or `#text`, no root `Event`.
    fn key(&mut self, name: &str, suffix: u32, root: bool) -> usize {
        let base = self.out.path.len();
        if suffix == 0 && (name == "#attributes" || name == "#text" || (root && name == "Event")) {
            return base;
        }
        if !self.out.path.is_empty() {
            self.out.path.push('.');
        }
        self.out.path.push_str(name);
        if suffix > 0 {
            use std::fmt::Write;
            let _ = write!(self.out.path, "_{suffix}");
        }
        base
    }

    fn leaf(&mut self, start: usize, quoted: bool) -> Option<()> {
        let o = &mut *self.out;
        if o.text.len() > MAX_OUTPUT {
            return None;
        }
        let a = o.names.len() as u32;
        o.names.push_str(&o.path);
        o.items.push((
            a,
            o.names.len() as u32,
            start as u32,
            o.text.len() as u32,
            quoted,
        ));
        if let Some(rec) = &mut self.rec {
            let end = o.text.len();
            let mut parts = Vec::new();
            let mut at = start;
            for &(a, z, (i, k, n)) in rec.spans.iter().filter(|s| s.0 >= start) {
                if a > at {
                    parts.push(Part::Lit(o.text[at..a].into()));
                }
                parts.push(if n == NONE {
                    Part::Val(i, k)
                } else {
                    Part::Item(i, k, n)
                });
                at = z;
            }
            if end > at {
                parts.push(Part::Lit(o.text[at..end].into()));
            }
            rec.spans.clear();
            rec.ops.push(Op {
                name: o.path.as_str().into(),
                parts,
                quoted,
            });
        }
        Some(())
    }

    fn empty_string(&mut self) -> Option<()> {
        let at = self.out.text.len();
        self.leaf(at, true)
    }

    /// `text_content_plain`.
    fn text_content(&mut self, ns: &[R<'_, '_>], skip_elements: bool) -> Option<()> {
        for n in ns {
            match n {
                R::Text(t) => self.out.text.extend_from_slice(t.as_bytes()),
                R::Val(v) => self.val_text(*v)?,
                R::CharRef(c) => match char::from_u32(u32::from(*c)) {
                    Some(ch) => self
                        .out
                        .text
                        .extend_from_slice(ch.encode_utf8(&mut [0; 4]).as_bytes()),
                    None => {
                        use std::io::Write;
                        let _ = write!(self.out.text, "&#{c};");
                    }
                },
                R::Entity(name) => {
                    let s = match *name {
                        "quot" => "\"",
                        "apos" => "'",
                        "amp" => "&",
                        "lt" => "<",
                        "gt" => ">",
                        other => {
                            self.out.text.push(b'&');
                            self.out.text.extend_from_slice(other.as_bytes());
                            self.out.text.push(b';');
                            continue;
                        }
                    };
                    self.out.text.extend_from_slice(s.as_bytes());
                }
                R::Pi => {}
                R::Elem(..) => {
                    if !skip_elements {
                        return None;
                    }
                }
            }
        }
        Some(())
    }

    /// `try_as_number_plain`: the single bare value, if that is what `ns` is.
    fn as_number<'n>(ns: &'n [R<'_, 'v>], skip_elements: bool) -> Option<Val<'v>> {
        let mut single: Option<Option<Val<'v>>> = None;
        for n in ns {
            match n {
                R::Elem(..) => {
                    if !skip_elements {
                        return None;
                    }
                }
                R::Text(t) => {
                    if skip_elements {
                        if !t.is_empty() {
                            return None;
                        }
                    } else if single.is_some() || !t.is_empty() {
                        return None;
                    } else {
                        single = Some(None);
                    }
                }
                R::Val(v) => {
                    if skip_elements && v.empty() {
                        continue;
                    }
                    if single.is_some() {
                        return None;
                    }
                    single = Some(Some(*v));
                }
                R::CharRef(_) | R::Entity(_) => return None,
                R::Pi => {
                    if !skip_elements {
                        if single.is_some() {
                            return None;
                        }
                        single = Some(None);
                    }
                }
            }
        }
        single.flatten().filter(Val::bare)
    }

    /// `content_as_json_value_plain`.
    fn content_value(&mut self, ns: &[R<'_, 'v>], skip_elements: bool) -> Option<()> {
        let start = self.out.text.len();
        if let Some(v) = Self::as_number(ns, skip_elements) {
            self.val_text(v)?;
            return self.leaf(start, false);
        }
        self.text_content(ns, skip_elements)?;
        self.leaf(start, true)
    }

    /// `try_leaf_value_plain`: `None` when it does not apply.
    fn leaf_value(&mut self, kids: &[R<'_, '_>], empty_as_string: bool) -> Option<Option<()>> {
        if kids.len() != 1 {
            return None;
        }
        let start = self.out.text.len();
        let empty = |e: &mut Self| {
            if empty_as_string {
                e.empty_string()
            } else {
                Some(())
            }
        };
        Some(match kids[0] {
            R::Text("") => empty(self),
            R::Text(t) => {
                self.out.text.extend_from_slice(t.as_bytes());
                self.leaf(start, true)
            }
            R::Val(v) if v.empty() => empty(self),
            R::Val(v) => match self.val_text(v) {
                Some(()) => self.leaf(start, !v.bare()),
                None => None,
            },
            _ => return None,
        })
    }

    /// `attrs_object_plain`, for the attributes that have text.
    fn attrs_object(&mut self, attrs: &[(&str, Nodes<'_, 'v>)]) -> Option<()> {
        for (name, v) in attrs {
            if !Self::has_text(v) {
                continue;
            }
            let base = self.key(name, 0, false);
            self.content_value(v, false)?;
            self.out.path.truncate(base);
        }
        Some(())
    }

    /// Writes a value's text (noting where, when recording).
    fn val_text(&mut self, v: Val<'_>) -> Option<()> {
        let start = self.out.text.len();
        v.text(&mut self.out.text)?;
        if let Some(rec) = &mut self.rec {
            if v.at.0 == NONE {
                rec.ok = false;
            }
            rec.spans.push((start, self.out.text.len(), v.at));
        }
        Some(())
    }

    /// Notes that a name came from a value: no plan can stand for the
    /// record's shape.
    fn unplanned(&mut self) {
        if let Some(rec) = &mut self.rec {
            rec.ok = false;
        }
    }

    /// The value of a substitution that is an element's whole content, if
    /// it is a plain one (`Some(None)`: left out, or missing): neither a
    /// fragment nor an array, in an element no array made a copy of.
    fn plain_sub(&self, el: El<'t>, n: &TNode) -> Option<Option<Val<'v>>> {
        let TNode::Sub { id, optional } = n else {
            return None;
        };
        if el.item != NONE {
            return None;
        }
        let Some(&v) = self.insts[el.inst as usize].1.get(usize::from(*id)) else {
            return Some(None);
        };
        if *optional && v.empty() {
            return Some(None);
        }
        (v.ty != 0x21 && v.expands().is_none()).then_some(Some(v))
    }

    /// A value alone in its element, as `try_leaf_value_plain` writes it.
    fn lone(&mut self, v: Option<Val<'v>>, empty_as_string: bool) -> Option<()> {
        match v {
            Some(v) if !v.empty() => {
                let start = self.out.text.len();
                self.val_text(v)?;
                self.leaf(start, !v.bare())
            }
            _ if empty_as_string => self.empty_string(),
            _ => Some(()),
        }
    }

    /// An element of attributes alone, each a literal or a plain
    /// substitution, as `write_element_value_plain` writes it (`None`: not
    /// such an element).
    fn attributes_only(&mut self, el: El<'t>) -> Option<Option<()>> {
        if !el.e.children.is_empty() || el.item != NONE {
            return None;
        }
        let mut values: SmallVec<[(&'t str, R<'t, 'v>); 4]> = SmallVec::new();
        for (name, v) in &el.e.attrs {
            let node = match &v[..] {
                [TNode::Text(t)] => R::Text(t),
                [n @ TNode::Sub { .. }] => match self.plain_sub(el, n)? {
                    Some(v) => R::Val(v),
                    None => continue,
                },
                _ => return None,
            };
            if Self::is_content(&node) {
                values.push((name, node));
            }
        }
        Some(values.iter().try_for_each(|(name, node)| {
            let base = self.key(name, 0, false);
            self.content_value(&[*node], false)?;
            self.out.path.truncate(base);
            Some(())
        }))
    }

    /// `write_element_value_plain`.
    fn element_value(&mut self, el: El<'t>, container: bool) -> Option<()> {
        if el.e.attrs.is_empty()
            && let [n] = &el.e.children[..]
            && let Some(v) = self.plain_sub(el, n)
        {
            return self.lone(v, false);
        }
        if let Some(r) = self.attributes_only(el) {
            return r;
        }
        let kids = self.nodes(el, &el.e.children)?;
        let attrs = self.attrs(el)?;
        if attrs.is_empty()
            && let Some(r) = self.leaf_value(&kids, false)
        {
            return r;
        }
        let has_elem = kids.iter().any(|k| matches!(k, R::Elem(..)));
        let has_text = Self::has_text(&kids);
        let attrs_text = attrs.iter().any(|(_, v)| Self::has_text(v));
        if !has_elem && !has_text && !attrs_text {
            Some(())
        } else if !has_elem && !attrs_text {
            self.content_value(&kids, false)
        } else {
            self.body(&kids, &attrs, (container, el.e), false, has_text)
        }
    }

    /// `data_element_value_plain`.
    fn data_value(&mut self, el: El<'t>) -> Option<()> {
        if let [n] = &el.e.children[..]
            && let Some(v) = self.plain_sub(el, n)
        {
            return self.lone(v, true);
        }
        let kids = self.nodes(el, &el.e.children)?;
        if let Some(r) = self.leaf_value(&kids, true) {
            return r;
        }
        let has_elem = kids.iter().any(|k| matches!(k, R::Elem(..)));
        let has_text = Self::has_text(&kids);
        if !has_text && !has_elem {
            return self.empty_string();
        }
        if has_elem {
            self.body(&kids, &[], (false, el.e), true, has_text)
        } else {
            self.content_value(&kids, false)
        }
    }

    /// A `Data` element's `Name`, resolved (`Some(None)`: it has none).
    fn data_name(&self, el: El<'t>) -> Option<Option<Nodes<'t, 'v>>> {
        let Some(attr) = el.e.attrs.iter().find(|(n, _)| &**n == "Name") else {
            return Some(None);
        };
        let v = self.nodes(el, &attr.1)?;
        // An attribute that resolves to nothing is no attribute.
        Some((!v.is_empty()).then_some(v))
    }

    /// `element_body_plain` (with `body_start_plain`, `member_key_plain`
    /// and `member_value_plain`).
    fn body(
        &mut self,
        kids: &[R<'t, 'v>],
        attrs: &[(&str, Nodes<'_, 'v>)],
        (in_container, e): (bool, &TElem),
        omit_attributes: bool,
        has_text: bool,
    ) -> Option<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return None;
        }
        let children: SmallVec<[El<'t>; 16]> = kids
            .iter()
            .filter_map(|k| match k {
                R::Elem(i, c, item) => Some(self.elem(*i, *c, *item)),
                _ => None,
            })
            .collect();
        let is_data = |c: &El<'_>| &*c.e.name == "Data";
        // Names repeat only where the template repeats them, or an array
        // makes copies of an element.
        let copies = children.iter().any(|c| c.item != NONE);
        let distinct = e.distinct && !copies;
        let distinct_data = e.distinct_data;
        let mut names: SmallVec<[Option<Nodes<'t, 'v>>; 16]> = SmallVec::new();
        for &c in &children {
            names.push(if is_data(&c) {
                self.data_name(c)?
            } else {
                None
            });
        }
        let named = in_container && names.iter().flatten().any(|n| Self::has_text(n));
        if !omit_attributes && !attrs.is_empty() {
            self.attrs_object(attrs)?;
        }
        if has_text {
            self.content_value(kids, true)?;
        }
        let positional = if in_container && !named {
            children.iter().filter(|c| is_data(c)).count()
        } else {
            0
        };
        let mut positional_done = false;
        let mut counts = Counts::default();
        let mut data_counts = Counts::default();
        let mut skip = 0usize;
        for (i, &child) in children.iter().enumerate() {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            if in_container && is_data(&child) {
                if named {
                    let Some(name) = &names[i] else {
                        continue;
                    };
                    if !Self::has_text(name) {
                        continue;
                    }
                    let key: Cow<'t, str> = match name[..] {
                        [R::Text(t)] => Cow::Borrowed(t),
                        _ => {
                            self.unplanned();
                            let start = self.out.text.len();
                            self.text_content(name, false)?;
                            Cow::Owned(String::from_utf8(self.out.text.split_off(start)).ok()?)
                        }
                    };
                    // A run of Data elements of this name, one after another:
                    // with distinct literal names, the copies of one element.
                    let mut run = 1;
                    while let Some(Some(next)) = names.get(i + run) {
                        let same = if distinct_data {
                            std::ptr::eq(children[i + run].e, child.e)
                                && children[i + run].inst == child.inst
                        } else {
                            is_data(&children[i + run]) && self.same_text(next, &key)
                        };
                        if !same {
                            break;
                        }
                        run += 1;
                    }
                    skip = run - 1;
                    let base = self.out.path.len();
                    let suffix = if distinct_data {
                        0
                    } else {
                        data_counts.next(key.clone())
                    };
                    self.key(&key, suffix, false);
                    for &c in &children[i..i + run] {
                        self.data_value(c)?;
                    }
                    self.out.path.truncate(base);
                    continue;
                }
                if positional_done || positional == 0 {
                    continue;
                }
                positional_done = true;
                let base = self.key("Data", 0, false);
                for &c in children.iter().filter(|c| is_data(c)) {
                    self.data_value(c)?;
                }
                self.out.path.truncate(base);
                continue;
            }
            let suffix = if distinct {
                0
            } else {
                counts.next(Cow::Borrowed(&child.e.name))
            };
            let base = self.key(&child.e.name, suffix, false);
            self.element_value(child, is_container(&child.e.name))?;
            self.out.path.truncate(base);
        }
        self.depth -= 1;
        Some(())
    }

    /// Whether nodes render as `text`.
    fn same_text(&mut self, ns: &[R<'_, '_>], text: &str) -> bool {
        if let [R::Text(t)] = ns {
            return *t == text;
        }
        self.unplanned();
        let start = self.out.text.len();
        let ok =
            self.text_content(ns, false).is_some() && self.out.text[start..] == *text.as_bytes();
        self.out.text.truncate(start);
        ok
    }
}
