package io.conduit.services.reflection;

import io.conduit.services.test.Money;
import io.conduit.services.test.Order;
import io.conduit.services.test.Receipt;
import io.conduit.services.test.ShopRpc;
import io.conduit.stub.ServerStreamObserver;

/** The test shop: a receipt totalling one euro per item. */
final class ShopService extends ShopRpc.Service {
  @Override
  public void buy(Order request, ServerStreamObserver<Receipt> responseObserver) {
    responseObserver.onNext(receipt(request));
    responseObserver.onCompleted();
  }

  @Override
  public void watch(Order request, ServerStreamObserver<Receipt> responseObserver) {
    for (int i = 0; i < 2; i++) {
      responseObserver.onNext(receipt(request));
    }
    responseObserver.onCompleted();
  }

  static Receipt receipt(Order order) {
    return Receipt.newBuilder()
        .setTotal(Money.newBuilder().setCurrency("EUR").setCents(100L * order.getItemsCount()))
        .build();
  }
}
