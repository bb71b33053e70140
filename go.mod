module github.com/newsbot/newsbot

go 1.26.8

require (
	github.com/kljensen/snowball v0.10.0
	golang.org/x/text v0.44.0
)
