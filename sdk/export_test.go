package sdk

// The error mapping's two directions, for the tests in package sdk_test.
var (
	ToStatus   = toStatus
	FromStatus = fromStatus
)
