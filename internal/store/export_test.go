package store

// Queued reports how many transactions wait for the group committer, so
// that tests can put several in one group.
func (s *Store) Queued() int {
	if s.group == nil {
		return 0
	}
	s.group.mu.Lock()
	defer s.group.mu.Unlock()
	return len(s.group.queue)
}
