package export

import "testing"

// TestResearchIDFunction: the full HMAC-SHA256 in lowercase hex, from a known
// answer (RFC 4231 test case 2: key "Jefe").
func TestResearchIDFunction(t *testing.T) {
	rid := researchIDs([]byte("Jefe"))
	const want = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
	for range 2 { // the hash is reset between calls
		if got := rid("what do ya want for nothing?"); got != want {
			t.Fatalf("research_id %s, want %s", got, want)
		}
	}
}
