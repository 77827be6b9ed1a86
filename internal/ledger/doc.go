// Package ledger makes Panjare's history tamper-evident. It owns the
// ledger tables (ledger_*): every event of the store's append-only events
// table becomes a leaf of an RFC 6962 Merkle tree, in the order the
// sealer saw the events commit, and signed checkpoints (C2SP signed notes
// over origin, size and root) commit to the tree, so that anyone who kept
// a checkpoint can later prove that no sealed event was edited, deleted,
// inserted or reordered.
//
// The model:
//
//   - A leaf is the SHA-256 of a zero byte and the event's canonical
//     encoding (LeafData), which names every column of the event and the
//     payload as canonical JSON, so that both engines give the same bytes.
//   - The sealer (Run, SealNow) reads the events after the highest id it
//     has passed, in id order and in batches, appends their leaf hashes to
//     the tree's compact range, and writes the leaves, the new perfect
//     subtree roots of height 8 and more, and the tree's state in one
//     transaction. The state row is its lock: a sealer that finds the tree
//     moved on under it (another process sealed first) throws its batch
//     away and starts again from the stored state, so any number of
//     processes may run the sealer and exactly one seals each batch.
//   - Ids missing below a committed event (a PostgreSQL transaction that
//     took its ids and rolled back, or one still committing in another
//     lane) hold the sealer back for gapGrace; then they are recorded in
//     ledger_gaps and passed. An event that commits later with such an id
//     is sealed as the next leaf if it appears within lateWindow.
//   - A checkpoint is signed at least once a second while the sealer
//     works, and whenever it has caught up. Every checkpoint is kept.
//   - Inclusion and consistency proofs are built from the stored nodes,
//     and from leaves for the lowest eight levels.
//
// The package must never change or delete an event, and it writes no event
// per checkpoint (the log would never be quiet): only the creation of its
// signing key is an event (ledger.key.created). It must not slow the
// request path: it writes outside the group committer, in transactions of
// bounded size.
package ledger
