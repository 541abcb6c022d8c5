package ingest

import (
	"errors"
	"fmt"
	"testing"
)

func TestParseErrorMessage(t *testing.T) {
	enc := fmt.Errorf("%w: invalid UTF-8", ErrEncoding)
	tests := []struct {
		e    ParseError
		want string
	}{
		{ParseError{File: "人员台账.csv", Row: 17, Column: 3, Err: enc}, "人员台账.csv: row 17, column 3: ingest: invalid text encoding: invalid UTF-8"},
		{ParseError{File: "台账.xlsx", Sheet: "任职记录", Row: 4, Err: ErrSyntax}, `台账.xlsx: sheet "任职记录", row 4: ingest: syntax error`},
		{ParseError{File: "a.json", Err: ErrSyntax}, "a.json: ingest: syntax error"},
		{ParseError{File: "sub/a.json", Row: 2, Column: 1, Err: ErrTooLarge}, "sub/a.json: row 2, column 1: ingest: record too large"},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
	var err error = &ParseError{File: "a.csv", Err: enc}
	if !errors.Is(err, ErrEncoding) || errors.Is(err, ErrSyntax) {
		t.Errorf("errors.Is does not see through %v", err)
	}
}
