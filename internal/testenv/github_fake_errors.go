package testenv

// FakeErrors returns the answers of the fake itself that do not have the shape GitHub's API
// description gives them: a test that sees one found a defect of the fake, not of Rigel.
func (gh *GitHub) FakeErrors() []string {
	gh.mu.Lock()
	defer gh.mu.Unlock()
	return append([]string(nil), gh.fakeErrors...)
}
