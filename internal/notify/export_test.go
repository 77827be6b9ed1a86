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
