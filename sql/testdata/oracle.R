# oracle.R: the reference figures for survival_by, survival_median and
# exit_incidence, computed by R's survival and cmprsk packages.
#
# Usage: Rscript oracle.R spells.csv out.csv
#
# spells.csv has a header and one row per person: stratum, day (days in
# post), exited (1 when the person had left, 0 when censored) and reason (the
# way of leaving; empty when censored). out.csv gets one row per figure:
# kind (survival, median, incidence), stratum, reason (empty but for
# incidence), day (empty for median), name (the macro's column) and value
# (NA when R gives none), with 17 significant digits.
suppressPackageStartupMessages({
  library(survival)
  library(cmprsk)
})
args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 2) stop("usage: Rscript oracle.R spells.csv out.csv")
sp <- read.csv(args[1], colClasses = c("character", "numeric", "integer", "character"),
               na.strings = character(0))
out <- list()
add <- function(kind, stratum, reason, day, name, value) {
  out[[length(out) + 1]] <<- data.frame(kind = kind, stratum = stratum, reason = reason,
                                        day = day, name = name, value = value,
                                        stringsAsFactors = FALSE)
}
for (s in sort(unique(sp$stratum))) {
  d <- sp[sp$stratum == s, ]
  fit <- survfit(Surv(day, exited) ~ 1, data = d, conf.type = "log-log")
  day <- as.character(fit$time)
  add("survival", s, "", day, "at_risk", fit$n.risk)
  add("survival", s, "", day, "exits", fit$n.event)
  add("survival", s, "", day, "censored", fit$n.censor)
  add("survival", s, "", day, "survival", fit$surv)
  # fit$std.err is the standard error of the cumulative hazard; summary()
  # prints the one of S(t), std.err * surv.
  add("survival", s, "", day, "std_err", fit$std.err * fit$surv)
  add("survival", s, "", day, "lower", fit$lower)
  add("survival", s, "", day, "upper", fit$upper)
  tab <- summary(fit)$table
  add("median", s, "", "", "persons", tab[["records"]])
  add("median", s, "", "", "exits", tab[["events"]])
  add("median", s, "", "", "median", tab[["median"]])
  add("median", s, "", "", "lower", tab[["0.95LCL"]])
  add("median", s, "", "", "upper", tab[["0.95UCL"]])
  if (sum(d$exited) == 0) next
  causes <- sort(unique(d$reason[d$exited == 1]))
  status <- ifelse(d$exited == 1, match(d$reason, causes), 0)
  ci <- cuminc(d$day, status, cencode = 0)
  days <- sort(unique(d$day[d$exited == 1]))
  tp <- timepoints(ci, days)
  for (k in seq_along(causes)) {
    row <- paste("1", k)
    add("incidence", s, causes[k], as.character(days), "incidence", tp$est[row, ])
    add("incidence", s, causes[k], as.character(days), "variance", tp$var[row, ])
  }
}
res <- do.call(rbind, out)
res$value <- formatC(res$value, digits = 17, format = "g")
res$value[trimws(res$value) %in% c("NA", "NaN", "Inf", "-Inf")] <- "NA"
res$value <- trimws(res$value)
write.csv(res, args[2], row.names = FALSE, quote = TRUE)
