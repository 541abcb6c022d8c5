package main

import (
	"io"

	"github.com/schollz/progressbar/v3"

	"github.com/grassroots-cn/grassroots/pipeline"
)

// progress returns a pipeline observer that draws a spinner with the rows
// read per county on a terminal, or nil when w is not a terminal or the
// output is JSON.
func (a *app) progress(w io.Writer) func(pipeline.Event) {
	if a.json || !isTerminal(w) {
		return nil
	}
	var bar *progressbar.ProgressBar
	var county string
	return func(e pipeline.Event) {
		if bar == nil || e.County != county {
			if bar != nil {
				bar.Finish()
			}
			county = e.County
			bar = progressbar.NewOptions64(-1,
				progressbar.OptionSetWriter(w),
				progressbar.OptionSetDescription("loading "+county),
				progressbar.OptionShowCount(),
				progressbar.OptionSetItsString("rows"),
				progressbar.OptionShowIts(),
				progressbar.OptionSpinnerType(14),
				progressbar.OptionClearOnFinish(),
			)
		}
		bar.Set64(e.Rows)
		if e.Done {
			bar.Finish()
			bar = nil
		}
	}
}
