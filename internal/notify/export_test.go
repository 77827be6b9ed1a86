package notify

import "time"

// SetRetryForTest shortens the backoff and sets the attempts, so delivery
// tests take milliseconds.
func (n *Notifier) SetRetryForTest(base time.Duration, attempts int) {
	n.retryBase, n.maxAttempts = base, attempts
}

// Render exposes render to the template tests.
func Render(key string, data map[string]string, baseURL string) (sms, subject, email, titleFa, bodyFa, titleEn, bodyEn string, err error) {
	r, err := render(key, data, baseURL)
	return r.SMS, r.Subject, r.Email, r.TitleFa, r.BodyFa, r.TitleEn, r.BodyEn, err
}

// SetReportForTest shortens the wait for delivery reports.
func (n *Notifier) SetReportForTest(after, window time.Duration) {
	n.reportAfter, n.reportWindow = after, window
}

// ExpireConfirmationForTest makes person's pending confirmation link one
// that has just expired.
func (n *Notifier) ExpireConfirmationForTest(person string) error {
	_, err := n.s.DB().Exec(`UPDATE notify_choices SET pending_expires_at = $1 WHERE person = $2`, n.s.Now().Add(-time.Second), person)
	return err
}
