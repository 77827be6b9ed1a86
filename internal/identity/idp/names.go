package idp

import "crypto/sha256"

// The demo provider has no civil registry behind it, so it gives each
// national code a fixed, made-up name, as a national provider would return
// the registered one. The lists are demo data.
var (
	firstNames = []string{"مریم", "علی", "زهرا", "محمد", "فاطمه", "حسین", "نرگس", "رضا", "سارا", "امیر", "لیلا", "مهدی", "پریسا", "حمید", "نگار", "سعید"}
	lastNames  = []string{"احمدی", "رضایی", "محمدی", "حسینی", "کریمی", "موسوی", "جعفری", "صادقی", "رحیمی", "نوری", "قاسمی", "کاظمی", "یزدانی", "شریفی", "اکبری", "طاهری"}
)

// demoName returns the made-up name of a national code.
func demoName(nationalCode string) string {
	h := sha256.Sum256([]byte("panjare demo name\x00" + nationalCode))
	return firstNames[int(h[0])%len(firstNames)] + " " + lastNames[int(h[1])%len(lastNames)]
}
