package awsiam

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"
)

func TestPredicates(t *testing.T) {
	invalidPrincipal := &smithy.GenericAPIError{Code: "MalformedPolicyDocument", Message: `Invalid principal in policy: "AWS":"arn:aws:iam::111111111111:root"`}
	otherMalformed := &types.MalformedPolicyDocumentException{Message: aws.String("Syntax errors in policy.")}
	typedInvalidPrincipal := &types.MalformedPolicyDocumentException{Message: aws.String("Invalid principal in policy")}
	concurrent := &types.ConcurrentModificationException{Message: aws.String("Rate exceeded")}
	genericConcurrent := &smithy.GenericAPIError{Code: "ConcurrentModification"}
	noSuchEntity := &types.NoSuchEntityException{Message: aws.String("The role with name x cannot be found.")}
	genericNoSuchEntity := &smithy.GenericAPIError{Code: "NoSuchEntity"}
	deleteConflict := &types.DeleteConflictException{Message: aws.String("Cannot delete entity, must detach all policies first.")}
	plain := errors.New("connection refused")

	tests := []struct {
		name      string
		predicate func(error) bool
		yes, no   []error
	}{
		{"isInvalidPrincipal", isInvalidPrincipal,
			[]error{invalidPrincipal, typedInvalidPrincipal, fmt.Errorf("creating role: %w", invalidPrincipal)},
			[]error{otherMalformed, concurrent, noSuchEntity, plain, nil}},
		{"isConcurrentModification", isConcurrentModification,
			[]error{concurrent, genericConcurrent, fmt.Errorf("wrapped: %w", concurrent)},
			[]error{invalidPrincipal, noSuchEntity, deleteConflict, plain, nil}},
		{"isNoSuchEntity", isNoSuchEntity,
			[]error{noSuchEntity, genericNoSuchEntity, &NotFoundError{Kind: "role", Name: "x", Err: noSuchEntity}},
			[]error{concurrent, deleteConflict, &NotFoundError{Kind: "role", Name: "x"}, plain, nil}},
		{"isDeleteConflict", isDeleteConflict,
			[]error{deleteConflict, fmt.Errorf("wrapped: %w", deleteConflict)},
			[]error{concurrent, noSuchEntity, plain, nil}},
		{"isTrustPolicyPropagating", isTrustPolicyPropagating,
			[]error{invalidPrincipal, concurrent},
			[]error{otherMalformed, noSuchEntity, plain}},
		{"IsNotFound", IsNotFound,
			[]error{&NotFoundError{Kind: "role", Name: "x"}, fmt.Errorf("wrapped: %w", &NotFoundError{})},
			[]error{noSuchEntity, plain, nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, err := range tt.yes {
				if !tt.predicate(err) {
					t.Errorf("%s(%v) = false, want true", tt.name, err)
				}
			}
			for _, err := range tt.no {
				if tt.predicate(err) {
					t.Errorf("%s(%v) = true, want false", tt.name, err)
				}
			}
		})
	}
}

var (
	errRetryable = errors.New("retryable")
	errFinal     = errors.New("final")
)

func isRetryable(err error) bool { return errors.Is(err, errRetryable) }

// failing returns a function failing with errs in turn, then succeeding, and
// a pointer to the number of calls made.
func failing(errs ...error) (func() error, *int) {
	calls := 0
	return func() error {
		calls++
		if calls <= len(errs) {
			return errs[calls-1]
		}
		return nil
	}, &calls
}

func TestRetryWhen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("retries while retryable, stops on success", func(t *testing.T) {
		t.Parallel()
		fn, calls := failing(errRetryable, errRetryable)
		if err := retryWhen(ctx, time.Minute, fn, isRetryable); err != nil {
			t.Fatalf("retryWhen = %v, want success", err)
		}
		if *calls != 3 {
			t.Errorf("calls = %d, want 3", *calls)
		}
	})

	t.Run("returns an error the predicate refuses at once", func(t *testing.T) {
		t.Parallel()
		fn, calls := failing(errRetryable, errFinal, errRetryable)
		if err := retryWhen(ctx, time.Minute, fn, isRetryable); !errors.Is(err, errFinal) {
			t.Fatalf("retryWhen = %v, want %v", err, errFinal)
		}
		if *calls != 2 {
			t.Errorf("calls = %d, want 2", *calls)
		}
	})

	t.Run("gives up at the timeout with the last error", func(t *testing.T) {
		t.Parallel()
		last := fmt.Errorf("attempt failed: %w", errRetryable)
		start := time.Now()
		err := retryWhen(ctx, 500*time.Millisecond, func() error { return last }, isRetryable)
		if !errors.Is(err, last) {
			t.Fatalf("retryWhen = %v, want the last error %v", err, last)
		}
		if elapsed := time.Since(start); elapsed < 500*time.Millisecond || elapsed > 2*time.Second {
			t.Errorf("gave up after %s, want about the 500ms timeout", elapsed)
		}
	})

	t.Run("stops when the context is done", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		start := time.Now()
		err := retryWhen(ctx, time.Minute, func() error { return errRetryable }, isRetryable)
		if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, errRetryable) {
			t.Fatalf("retryWhen = %v, want the context's error and the last error", err)
		}
		if elapsed := time.Since(start); elapsed > 2*time.Second {
			t.Errorf("returned %s after the context ended, want at once", elapsed)
		}
	})
}
