package permit

// NewDocumentIDForTest returns a fresh document id, formatted.
func NewDocumentIDForTest() string { return FormatDocumentID(newDocumentID()) }
